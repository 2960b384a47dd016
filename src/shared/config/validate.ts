/**
 * @module Validation of a composition: syntax, schema and every semantic rule, all reported at
 * once with a JSON path and `line:column`. Pure, so the editor can run it on every keystroke.
 */
import type { z } from 'zod'
import type { Diagnostic } from './diagnostics'
import { formatPath } from './diagnostics'
import { CompositionSchema, type Composition } from './schema'
import { knownKeysAt } from './schema-keys'
import { Reporter } from './reporter'
import { checkSemantics } from './semantics'
import { didYouMean } from './suggest'
import {
  formatForFile,
  type JsonPath,
  parseSource,
  type ParsedSource,
  type SourceFormat
} from './source'

export interface ValidateOptions {
  /** Used to pick the format (`.yaml`/`.yml` → YAML) when `format` is not given. */
  fileName?: string
  format?: SourceFormat
  /** Unknown keys become errors. */
  strict?: boolean
}

export interface ValidationResult {
  ok: boolean
  /** Present when the composition parsed; unknown keys are dropped. */
  composition?: Composition
  diagnostics: Diagnostic[]
}

export function validateText(text: string, opts: ValidateOptions = {}): ValidationResult {
  const format = opts.format ?? formatForFile(opts.fileName ?? '')
  return validateSource(parseSource(text, format), opts)
}

/** {@link validateText} over text already parsed (a caller that keeps the parse to place more). */
export function validateSource(
  source: ParsedSource,
  opts: Pick<ValidateOptions, 'strict'> = {}
): ValidationResult {
  const reporter = new Reporter(source)
  if (source.syntaxErrors.length > 0 || source.value === undefined) {
    const diagnostics = source.syntaxErrors.map((e): Diagnostic => ({
      severity: 'error',
      code: 'syntax',
      message: e.message,
      path: [],
      line: e.line,
      column: e.column
    }))
    return { ok: false, diagnostics }
  }
  const composition = checkValue(source.value, reporter, opts.strict ?? false)
  const diagnostics = sortDiagnostics(reporter.diagnostics)
  return {
    ok: !diagnostics.some((d) => d.severity === 'error'),
    composition,
    diagnostics
  }
}

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.line - b.line || a.column - b.column)
}

function checkValue(raw: unknown, reporter: Reporter, strict: boolean): Composition | undefined {
  const first = CompositionSchema.safeParse(raw)
  if (first.success) {
    reportDroppedProtoKeys(raw, first.data, reporter, strict)
    checkSemantics(first.data, reporter, { removed: new Set(), strict })
    return first.data
  }
  const unknownKeys: JsonPath[] = []
  const broken: JsonPath[] = []
  for (const issue of first.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...(issue.path as JsonPath), key]
        unknownKeys.push(path)
        const known = knownKeysAt(issue.path as JsonPath, raw)
        const hint = didYouMean(key, known)
        reporter.report(
          strict ? 'error' : 'warning',
          'unknown-key',
          path,
          `unknown key "${key}" in ${formatPath(issue.path as JsonPath)}${hint ? `: did you mean "${hint}"?` : ''}`,
          { key: true }
        )
      }
      continue
    }
    broken.push(issue.path as JsonPath)
    reportSchemaIssue(issue, raw, reporter)
  }

  // Salvage: drop unknown keys and broken entries, then run the semantic checks on what is left.
  const removed = new Set<string>()
  const removedNodes = new Set<number>()
  const salvaged = structuredClone(raw) as Record<string, unknown>
  for (const path of unknownKeys) deleteAt(salvaged, path)
  for (const path of broken) {
    const [section, entry, sub, phase, hookIndex] = path
    if (entry === undefined) return undefined
    if (section === 'architecture' && typeof entry === 'number') {
      const node = (salvaged.architecture as unknown[])[entry] as
        Record<string, unknown> | undefined
      const hooks = node?.hooks as Record<string, unknown[]> | undefined
      // A broken hook costs only the hook, so the rest of its node is still checked.
      if (
        sub === 'hooks' &&
        typeof phase === 'string' &&
        typeof hookIndex === 'number' &&
        Array.isArray(hooks?.[phase])
      ) {
        delete hooks[phase][hookIndex]
        continue
      }
      if (node && typeof node.name === 'string') removed.add(`node:${node.name}`)
      removedNodes.add(entry)
      ;(salvaged.architecture as unknown[])[entry] = undefined
    } else if (
      typeof section === 'string' &&
      ['models', 'functions', 'secrets'].includes(section)
    ) {
      removed.add(`${section}:${entry}`)
      delete (salvaged[section] as Record<string, unknown>)[entry]
    } else {
      return undefined
    }
  }
  for (const node of Array.isArray(salvaged.architecture) ? salvaged.architecture : []) {
    const hooks = (node as { hooks?: Record<string, unknown[]> } | undefined)?.hooks
    for (const phase of ['pre', 'post']) {
      if (Array.isArray(hooks?.[phase])) hooks[phase] = hooks[phase].filter((h) => h !== undefined)
    }
  }
  if (Array.isArray(salvaged.architecture)) {
    salvaged.architecture = salvaged.architecture.filter((n) => n !== undefined)
  }
  const second = CompositionSchema.safeParse(salvaged)
  if (!second.success) return undefined
  // Node indices shift once broken nodes are dropped; map them back for positions.
  const originalIndex = (raw as { architecture: unknown[] }).architecture
    .map((_, i) => i)
    .filter((i) => !removedNodes.has(i))
  const remapped = new Reporter({
    locate: (path, at) => reporter.source.locate(remapPath(path, originalIndex), at)
  })
  reportDroppedProtoKeys(salvaged, second.data, remapped, strict)
  checkSemantics(second.data, remapped, { removed, strict })
  for (const d of remapped.diagnostics)
    reporter.diagnostics.push({ ...d, path: remapPath(d.path, originalIndex) })
  return broken.length === 0 ? second.data : undefined
}

/**
 * zod reports a `__proto__` key in a strict object as unknown, but silently skips it as a record
 * key (a model, function or secret name, an env variable...): say so instead of losing the entry.
 * Found by comparing the input with zod's output; keys kept inside free-form values are fine.
 */
function reportDroppedProtoKeys(
  input: unknown,
  output: unknown,
  reporter: Reporter,
  strict: boolean
): void {
  const stack: { value: unknown; path: JsonPath }[] = [{ value: input, path: [] }]
  // YAML aliases can make the input a graph, even a cyclic one.
  const seen = new Set<object>()
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: JsonPath }
    if (!value || typeof value !== 'object' || seen.has(value)) continue
    seen.add(value)
    const container = ownValueAt(output, path)
    if (!container || typeof container !== 'object') continue
    if (Object.hasOwn(value, '__proto__') && !Object.hasOwn(container, '__proto__')) {
      reporter.report(
        strict ? 'error' : 'warning',
        'reserved-key',
        [...path, '__proto__'],
        `"__proto__" cannot be used as a name in ${formatPath(path)}; it is ignored`,
        { key: true }
      )
    }
    for (const [key, child] of Object.entries(value)) {
      stack.push({ value: child, path: [...path, Array.isArray(value) ? Number(key) : key] })
    }
  }
}

/** Like {@link valueAt}, but reads own properties only (`__proto__` is not the prototype). */
function ownValueAt(root: unknown, path: JsonPath): unknown {
  let v = root
  for (const seg of path) {
    if (!v || typeof v !== 'object' || !Object.hasOwn(v, seg)) return undefined
    v = (v as Record<string | number, unknown>)[seg]
  }
  return v
}

function remapPath(path: JsonPath, originalIndex: number[]): JsonPath {
  if (path[0] !== 'architecture' || typeof path[1] !== 'number') return path
  return ['architecture', originalIndex[path[1]] ?? path[1], ...path.slice(2)]
}

function deleteAt(root: unknown, path: JsonPath): void {
  let obj = root as Record<string | number, unknown> | undefined
  for (const seg of path.slice(0, -1))
    obj = obj?.[seg] as Record<string | number, unknown> | undefined
  const last = path.at(-1)
  if (obj && typeof obj === 'object' && last !== undefined) delete obj[last]
}

function valueAt(root: unknown, path: JsonPath): unknown {
  let v = root
  for (const seg of path)
    v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined
  return v
}

function describeType(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`
  // JSON.stringify would print these as null: 1e999 parses to Infinity, YAML has .inf and .nan.
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN (not a number)'
  if (typeof v === 'number' && !Number.isFinite(v)) return `a number too large (${v})`
  return `${typeof v} ${JSON.stringify(v)}`
}

function reportSchemaIssue(issue: z.core.$ZodIssue, raw: unknown, reporter: Reporter): void {
  const path = issue.path as JsonPath
  const where = formatPath(path)
  const actual = valueAt(raw, path)
  switch (issue.code) {
    case 'invalid_type': {
      if (actual === undefined) {
        reporter.error('missing-field', path, `${where} is required (${issue.expected})`)
      } else {
        const expected =
          issue.expected === 'number' && typeof actual === 'number'
            ? 'a finite number'
            : article(issue.expected)
        reporter.error('schema', path, `${where} must be ${expected}, not ${describeType(actual)}`)
      }
      return
    }
    case 'invalid_union': {
      const disc = (issue as { discriminator?: string; options?: unknown[] }).discriminator
      const options = ((issue as { options?: unknown[] }).options ?? []).filter(
        (o): o is string => typeof o === 'string'
      )
      if (disc) {
        const given = valueAt(raw, path)
        const hint = typeof given === 'string' ? didYouMean(given, options) : undefined
        const shown =
          given === undefined
            ? `${where} is required`
            : `${where} ${describeType(given)} is not known`
        reporter.error(
          'schema',
          path,
          `${shown}; expected one of: ${options.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`
        )
        return
      }
      reporter.error(
        'schema',
        path,
        `${where}: ${describeType(actual)} matches none of the allowed forms`
      )
      return
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => String(v))
      const hint = typeof actual === 'string' ? didYouMean(actual, values) : undefined
      reporter.error(
        'schema',
        path,
        `${where} must be one of: ${values.join(', ')}; got ${describeType(actual)}${hint ? ` (did you mean "${hint}"?)` : ''}`
      )
      return
    }
    default:
      reporter.error('schema', path, `${where}: ${issue.message}`)
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`
}
