/**
 * @module Reads a promptfoo test file (a `promptfooconfig.yaml` with `tests:`, or a bare list of
 * tests, YAML or JSON) into evaluation cases, so an existing suite carries over. The mapping is
 * documented in docs/eval.md; what has no equivalent is an error at `line:column`.
 */
import type { Diagnostic } from '../config/diagnostics'
import { type JsonPath, parseSource, type SourceFormat } from '../config/source'
import type { EvalCase, EvalExpect, ParsedCases } from './cases'
import { regexProblem } from './cases'

/** Variable names taken as the user's text when a test has several vars. */
export const PROMPTFOO_INPUT_VARS = ['input', 'query', 'question', 'prompt', 'message', 'text']

/** promptfoo assertion type → the `expect` key it becomes. */
export const PROMPTFOO_ASSERTS = {
  contains: 'contains',
  icontains: 'icontains',
  'not-contains': 'not_contains',
  regex: 'matches',
  equals: 'equals',
  'is-json': 'json_schema'
} as const

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

export interface PromptfooOptions {
  /** Which var holds the user's text; by default the only var, or the first of {@link PROMPTFOO_INPUT_VARS}. */
  inputVar?: string
  format?: SourceFormat
}

export function parsePromptfooTests(text: string, options: PromptfooOptions = {}): ParsedCases {
  const source = parseSource(text, options.format ?? 'yaml')
  const diagnostics: Diagnostic[] = []
  const error = (code: string, message: string, path: JsonPath, key = false): void => {
    const pos = source.locate(path, { key })
    diagnostics.push({ severity: 'error', code, message, path, ...pos })
  }
  if (source.syntaxErrors.length > 0 || source.value === undefined) {
    return {
      cases: [],
      diagnostics: source.syntaxErrors.map((e) => ({
        severity: 'error',
        code: 'syntax',
        message: e.message,
        path: [],
        line: e.line,
        column: e.column
      }))
    }
  }
  const root = source.value
  const base: JsonPath = Array.isArray(root) ? [] : ['tests']
  const tests = Array.isArray(root) ? root : isObj(root) ? root.tests : undefined
  if (!Array.isArray(tests)) {
    error(
      'invalid-case',
      'a promptfoo test file is a list of tests, or an object with a "tests" list',
      []
    )
    return { cases: [], diagnostics }
  }
  const cases: EvalCase[] = []
  tests.forEach((test, i) => {
    const at: JsonPath = [...base, i]
    if (!isObj(test))
      return error('invalid-case', 'a test is an object with "vars" and "assert"', at)
    const before = diagnostics.length
    const input = testInput(test, at, options.inputVar, error)
    const expect: EvalExpect = {}
    const metadata = isObj(test.metadata) ? test.metadata : {}
    if (typeof metadata.route === 'string' || Array.isArray(metadata.route)) {
      expect.route = metadata.route as EvalExpect['route']
    }
    const asserts = test.assert === undefined ? [] : test.assert
    if (!Array.isArray(asserts)) error('invalid-case', '"assert" is a list', [...at, 'assert'])
    else asserts.forEach((a, j) => addAssert(expect, a, [...at, 'assert', j], error))
    if (diagnostics.length > before || input === undefined) return
    const id =
      typeof test.description === 'string' && test.description ? test.description : `test-${i + 1}`
    cases.push({ id, input, expect, line: source.locate(at).line })
  })
  return { cases, diagnostics }
}

type Report = (code: string, message: string, path: JsonPath, key?: boolean) => void

function testInput(
  test: Obj,
  at: JsonPath,
  inputVar: string | undefined,
  error: Report
): string | undefined {
  const vars = isObj(test.vars) ? test.vars : undefined
  if (!vars) {
    error('invalid-case', 'a test needs "vars" holding the user text', at)
    return undefined
  }
  const names = Object.keys(vars)
  const name =
    inputVar ?? (names.length === 1 ? names[0] : PROMPTFOO_INPUT_VARS.find((n) => n in vars))
  if (name === undefined || !(name in vars)) {
    error(
      'invalid-case',
      `cannot tell which var is the user text (${names.join(', ') || 'none'}); name one of ${PROMPTFOO_INPUT_VARS.join(', ')}, or pass the input var`,
      [...at, 'vars']
    )
    return undefined
  }
  const value = vars[name]
  if (typeof value !== 'string') {
    error('invalid-case', `vars.${name} must be text`, [...at, 'vars', name])
    return undefined
  }
  return value
}

function addAssert(expect: EvalExpect, a: unknown, at: JsonPath, error: Report): void {
  if (!isObj(a) || typeof a.type !== 'string')
    return error('invalid-case', 'an assertion is an object with a "type"', at)
  const key = (PROMPTFOO_ASSERTS as Record<string, keyof EvalExpect | undefined>)[a.type]
  if (key === undefined) {
    return error(
      'unsupported-assert',
      `assertion type "${a.type}" has no equivalent here; supported: ${Object.keys(PROMPTFOO_ASSERTS).join(', ')}`,
      [...at, 'type']
    )
  }
  const value = a.value
  if (key === 'json_schema') {
    if (value !== undefined && !isObj(value))
      return error('invalid-case', 'is-json takes a JSON Schema object as its value', [
        ...at,
        'value'
      ])
    expect.json_schema = (value as Obj | undefined) ?? true
    return
  }
  if (typeof value !== 'string')
    return error('invalid-case', `${a.type} needs a text "value"`, [...at, 'value'])
  if (key === 'matches' || key === 'equals') {
    if (expect[key] !== undefined)
      return error('invalid-case', `only one ${a.type} assertion per test`, at)
    if (key === 'matches') {
      const problem = regexProblem(value)
      if (problem) return error('invalid-case', `regex: ${problem}`, [...at, 'value'])
    }
    expect[key] = value
    return
  }
  const k = key as 'contains' | 'icontains' | 'not_contains'
  const prev = expect[k]
  expect[k] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value]
}
