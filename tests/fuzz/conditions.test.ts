/**
 * Fuzzing the condition language (node `if`, hook `if`): whatever the text, compiling gives an
 * AST or an error whose column is inside the text, and evaluating a compiled condition with any
 * variables gives a boolean. The named cases below are what the fuzzer found.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compileCondition,
  conditionHolds,
  evaluateCondition,
  // MAX
  type Variables
} from '../../src/shared/config/conditions'
import { validateText } from '../../src/shared/config/validate'
const MAX_CONDITION_NESTING = 64
import { FUZZ_TEST_TIMEOUT, fuzzParams } from './fuzz-options'

const NAMES = ['X', 'Y', 'RESULT', 'NODE_NAME', 'RESULT.route', 'RESULT.a.b', 'x_1']

/** Pieces of the grammar, so random strings are mostly almost-conditions. */
const fragment = fc.constantFrom(
  ...['$', '${', '}', '(', ')', '!', '&&', '||', '&', '|', '=', '==', '!=', '>=', '<=', '>', '<'],
  ...['"', "'", '\\', ' ', '\t', '\n', '-', '.', '1', '0.5', '1e3', 'true', 'false', 'abc'],
  ...NAMES.map((n) => `$${n}`),
  '\u0000',
  '\uFEFF',
  '\u00e9',
  '\ud83d\ude00'
)
const almostCondition = fc.array(fragment, { maxLength: 30 }).map((parts) => parts.join(''))
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), almostCondition)

const variableName = fc.constantFrom(...NAMES)
const operand = fc.oneof(
  variableName.map((n) => `$${n}`),
  variableName.map((n) => `\${${n}}`),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => String(n)),
  fc.integer().map(String),
  fc.string({ maxLength: 10 }).map((s) => `"${s.replace(/["\\]/g, '')}"`),
  fc.string({ maxLength: 10 }).map((s) => `'${s.replace(/['\\]/g, '')}'`),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.:/-]{0,8}$/),
  fc.constantFrom('true', 'false')
)
const compareOp = fc.constantFrom('==', '!=', '>=', '<=', '>', '<')

/** Conditions the grammar accepts, nested well under the limit. */
const validCondition = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    fc.tuple(operand, compareOp, operand).map(([a, op, b]) => `${a} ${op} ${b}`),
    variableName.map((n) => `$${n}`),
    fc.constantFrom('true', 'false'),
    tie('expr').map((e) => `!${e}`),
    tie('expr').map((e) => `(${e})`),
    fc
      .tuple(tie('expr'), fc.constantFrom(' && ', ' || ', '&&', '||'), tie('expr'))
      .map(([a, op, b]) => `${a}${op}${b}`)
  )
})).expr

/** Values a hook or an upstream can hand to a condition, and a few JSON cannot hold. */
const variableValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.anything({ maxDepth: 3, withBigInt: true, withMap: true, withSet: true, withDate: true }),
  fc.constantFrom(undefined, null, '', '0', 'NaN', 'Infinity', -0, Number.NaN, 1e308)
)
const variables: fc.Arbitrary<Variables> = fc.dictionary(
  fc.oneof(variableName, fc.string({ maxLength: 8 }), fc.constant('__proto__')),
  variableValue as fc.Arbitrary<Variables[string]>,
  { maxKeys: 6 }
)

/** The property every compile result must have. */
function checkCompiled(source: string): ReturnType<typeof compileCondition> {
  const result = compileCondition(source)
  if (result.ok) {
    expect(result.source).toBe(source)
    for (const v of result.variables) {
      expect(source[v.column - 1]).toBe('$')
    }
  } else {
    expect(result.error.message.length).toBeGreaterThan(0)
    expect(Number.isInteger(result.error.column)).toBe(true)
    expect(result.error.column).toBeGreaterThanOrEqual(1)
    expect(result.error.column).toBeLessThanOrEqual(source.length + 1)
  }
  return result
}

describe('fuzz: condition parser', { timeout: FUZZ_TEST_TIMEOUT }, () => {
  it('any text compiles to an AST or to an error with a column inside the text', () => {
    fc.assert(
      fc.property(anyText, (source) => {
        checkCompiled(source)
      }),
      fuzzParams(2_000)
    )
  })

  it('every grammar-shaped condition compiles, and evaluates to a boolean with any variables', () => {
    fc.assert(
      fc.property(validCondition, variables, (source, vars) => {
        const result = checkCompiled(source)
        expect(result.ok, result.ok ? '' : result.error.message).toBe(true)
        if (!result.ok) return
        const value = evaluateCondition(result, vars)
        expect(typeof value).toBe('boolean')
        expect(conditionHolds(source, vars)).toBe(value)
      }),
      fuzzParams(1_500)
    )
  })

  it('a condition with a character deleted, inserted or swapped never throws', () => {
    const mutated = fc
      .tuple(validCondition, fc.nat(), fc.nat(), fragment)
      .map(([src, at, len, insert]) => {
        const i = at % (src.length + 1)
        return src.slice(0, i) + insert + src.slice(i + (len % 3))
      })
    fc.assert(
      fc.property(mutated, variables, (source, vars) => {
        const result = checkCompiled(source)
        if (result.ok) expect(typeof evaluateCondition(result, vars)).toBe('boolean')
        expect(typeof conditionHolds(source, vars)).toBe('boolean')
      }),
      fuzzParams(1_500)
    )
  })
})

describe('fuzz findings in the condition language (regressions)', () => {
  it('10,000 nested parentheses are an error at the first "(" past the limit, not a stack overflow', () => {
    const source = '('.repeat(10_000) + '$X' + ')'.repeat(10_000)
    const result = compileCondition(source)
    expect(result).toEqual({
      ok: false,
      error: {
        message: expect.stringContaining('nested too deeply'),
        column: MAX_CONDITION_NESTING + 1
      }
    })
    expect(conditionHolds(source, { X: 'set' })).toBe(false)
  })

  it('20,000 "!" in a row are an error, not a stack overflow', () => {
    const result = compileCondition('!'.repeat(20_000) + '$X')
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.column).toBe(MAX_CONDITION_NESTING + 1)
  })

  it('nesting up to the limit still compiles and evaluates', () => {
    const depth = MAX_CONDITION_NESTING
    const source = '('.repeat(depth / 2) + '!'.repeat(depth / 2) + '$X' + ')'.repeat(depth / 2)
    expect(conditionHolds(source, { X: 'set' })).toBe(true)
  })

  it('a chain of 50,000 "&&" (or "||") evaluates without a stack overflow', () => {
    const and = Array(50_000).fill('$X').join(' && ')
    const or = Array(50_000).fill('$X').join(' || ')
    expect(conditionHolds(and, { X: 'set' })).toBe(true)
    expect(conditionHolds(and, {})).toBe(false)
    expect(conditionHolds(or, { X: 'set' })).toBe(true)
    expect(conditionHolds(or, {})).toBe(false)
    // Mixed chains keep precedence: && binds tighter than ||.
    expect(conditionHolds('$A && $B || $C && $D || $E', { C: 1, D: 1 })).toBe(true)
    expect(conditionHolds('$A || $B && $C || $D', { B: 1 })).toBe(false)
  })

  it('comparing an object holding a BigInt (or a cycle) is false, not a TypeError', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(conditionHolds('$X == "a"', { X: { n: 10n } })).toBe(false)
    expect(conditionHolds('$X != "a"', { X: { n: 10n } })).toBe(false)
    expect(conditionHolds('$X == $X', { X: cyclic })).toBe(false)
    // Objects JSON can hold still compare by value.
    expect(conditionHolds('$X == $Y', { X: { a: [1] }, Y: { a: [1] } })).toBe(true)
  })

  it('a composition whose condition nests 10,000 deep gets a condition-syntax diagnostic', () => {
    const condition = '('.repeat(10_000) + '$X' + ')'.repeat(10_000)
    const text = JSON.stringify({
      models: { m: { type: 'external', url: 'http://127.0.0.1:1' } },
      architecture: [
        { name: 'a', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': [1] },
        {
          name: 'b',
          layer: 1,
          model: 'm',
          adapter: 'openai-api',
          if: condition,
          'output-to': ['output']
        },
        { name: 'output', adapter: 'output' }
      ]
    })
    const result = validateText(text)
    expect(result.ok).toBe(false)
    const found = result.diagnostics.find((d) => d.code === 'condition-syntax')
    expect(found?.message).toContain('nested too deeply')
    expect(found?.line).toBe(1)
  })
})
