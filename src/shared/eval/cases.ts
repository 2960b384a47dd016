/**
 * @module Evaluation cases: what a request should do when it runs through a pipeline. One JSON
 * object a line (JSONL), or a promptfoo test file's `tests` (see {@link parsePromptfooTests}).
 * Every problem is a diagnostic at `line:column`, as for compositions, so a bad case file is
 * refused before anything runs.
 */
import { z } from 'zod'
import type { Diagnostic } from '../config/diagnostics'
import { formatPath } from '../config/diagnostics'
import { type JsonPath, parseSource } from '../config/source'
import { ChatMessageSchema } from '../openai/chat'

/** What a case expects; every key is optional. */
export const EvalExpectSchema = z
  .object({
    /** The node (or one of the nodes) the request must pass through. */
    route: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Text the answer must contain (case-sensitive; a list: each of them). */
    contains: z.union([z.string(), z.array(z.string())]).optional(),
    /** The same, ignoring case (promptfoo's `icontains`). */
    icontains: z.union([z.string(), z.array(z.string())]).optional(),
    /** Text the answer must not contain (a list: none of them). */
    not_contains: z.union([z.string(), z.array(z.string())]).optional(),
    /** A regular expression (JavaScript syntax) the answer must match. */
    matches: z.string().optional(),
    /** The whole answer, trimmed, must equal this. */
    equals: z.string().optional(),
    /** The answer must be JSON; with a schema, JSON valid against it (JSON Schema). */
    json_schema: z.union([z.record(z.string(), z.unknown()), z.boolean()]).optional(),
    /** The request must be answered within this many milliseconds. */
    max_ms: z.number().positive().optional()
  })
  .strict()
export type EvalExpect = z.infer<typeof EvalExpectSchema>

/** The kinds of check a case can make, in report order. */
export const CHECK_KINDS = [
  'route',
  'contains',
  'icontains',
  'not_contains',
  'matches',
  'equals',
  'json_schema',
  'max_ms'
] as const
export type CheckKind = (typeof CHECK_KINDS)[number]

export const EvalCaseSchema = z
  .object({
    id: z.string().min(1).optional(),
    /** A user message; or `messages`, a whole conversation. Exactly one of the two. */
    input: z.string().optional(),
    messages: z.array(ChatMessageSchema).min(1).optional(),
    expect: EvalExpectSchema.default({}),
    /** Free-form labels, for filtering and reading reports. */
    tags: z.array(z.string()).optional()
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.input === undefined) === (c.messages === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: c.input === undefined ? [] : ['messages'],
        message: 'a case needs exactly one of "input" (a user text) or "messages" (a conversation)'
      })
    }
  })
/** A case as written, plus its id (given, or `line-N`) and the line it is on. */
export type EvalCase = z.infer<typeof EvalCaseSchema> & { id: string; line: number }

export interface ParsedCases {
  cases: EvalCase[]
  diagnostics: Diagnostic[]
}

function diag(
  code: string,
  message: string,
  line: number,
  column: number,
  path: JsonPath = []
): Diagnostic {
  return { severity: 'error', code, message, path, line, column }
}

/** The conversation a case sends. */
export function caseMessages(
  c: Pick<EvalCase, 'input' | 'messages'>
): z.infer<typeof ChatMessageSchema>[] {
  return c.messages ?? [{ role: 'user', content: c.input ?? '' }]
}

/**
 * Parses JSONL cases: one JSON object a line; blank lines and lines starting with `//` or `#`
 * are skipped. Unknown keys, bad values and repeated ids are errors at `line:column`.
 */
export function parseEvalCases(text: string): ParsedCases {
  const cases: EvalCase[] = []
  const diagnostics: Diagnostic[] = []
  const seen = new Map<string, number>()
  const lines = text.replace(/^\uFEFF/, '').split('\n')
  lines.forEach((raw, index) => {
    const line = index + 1
    const body = raw.replace(/\r$/, '')
    const trimmed = body.trim()
    if (trimmed === '' || trimmed.startsWith('//') || trimmed.startsWith('#')) return
    const source = parseSource(body, 'json')
    if (source.syntaxErrors.length > 0 || source.value === undefined) {
      for (const e of source.syntaxErrors)
        diagnostics.push(diag('syntax', e.message, line, e.column))
      return
    }
    const at = (path: JsonPath, key = false): { line: number; column: number } => ({
      line,
      column: source.locate(path, { key }).column
    })
    const parsed = EvalCaseSchema.safeParse(source.value)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol')
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) {
            const keyPath = [...path, key]
            const pos = at(keyPath, true)
            diagnostics.push(
              diag(
                'unknown-key',
                `unknown key "${formatPath(keyPath)}"${knownKeysHint(path)}`,
                pos.line,
                pos.column,
                keyPath
              )
            )
          }
          continue
        }
        const pos = at(path)
        const where = path.length > 0 ? `${formatPath(path)}: ` : ''
        diagnostics.push(
          diag('invalid-case', `${where}${issue.message}`, pos.line, pos.column, path)
        )
      }
      return
    }
    const id = parsed.data.id ?? `line-${line}`
    const first = seen.get(id)
    if (first !== undefined) {
      const pos = at(['id'])
      diagnostics.push(
        diag('duplicate-id', `case id "${id}" is also on line ${first}`, pos.line, pos.column, [
          'id'
        ])
      )
      return
    }
    seen.set(id, line)
    const pattern = parsed.data.expect.matches
    if (pattern !== undefined) {
      const problem = regexProblem(pattern)
      if (problem) {
        const pos = at(['expect', 'matches'])
        diagnostics.push(
          diag('invalid-case', `expect.matches: ${problem}`, pos.line, pos.column, [
            'expect',
            'matches'
          ])
        )
        return
      }
    }
    cases.push({ ...parsed.data, id, line })
  })
  if (cases.length === 0 && diagnostics.length === 0) {
    diagnostics.push(diag('empty', 'the file has no cases (one JSON object a line)', 1, 1))
  }
  return { cases, diagnostics }
}

function knownKeysHint(path: JsonPath): string {
  const keys = path[0] === 'expect' ? CHECK_KINDS : ['id', 'input', 'messages', 'expect', 'tags']
  return `; known keys: ${keys.join(', ')}`
}

/** Why `pattern` is not a usable regular expression, or `undefined`. */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern)
    return undefined
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}

/** One line of JSONL for a case (what "add to eval set" appends). */
export function formatEvalCase(c: Omit<EvalCase, 'line' | 'id'> & { id?: string }): string {
  const out: Record<string, unknown> = {}
  if (c.id !== undefined) out.id = c.id
  if (c.messages !== undefined) out.messages = c.messages
  else out.input = c.input ?? ''
  if (Object.keys(c.expect ?? {}).length > 0) out.expect = c.expect
  if (c.tags?.length) out.tags = c.tags
  return JSON.stringify(out)
}
