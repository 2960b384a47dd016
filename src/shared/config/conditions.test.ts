/**
 * Tests of the condition language (node `if` and hook `if`). Each table names, in its title or
 * in its cases, the bug it would catch; most of those bugs are behaviours of the Rust llmnet
 * condition evaluator (see docs/conditions.md) that this implementation deliberately does not copy.
 */
import { describe, expect, it } from 'vitest'
import { compileCondition, conditionHolds, evaluateCondition, type Variables } from './conditions'

/**
 * Compiles and evaluates `source`, and checks that the memoised `conditionHolds` agrees with
 * `evaluateCondition` on the compiled form (catches a stale or shared cache entry).
 */
function holds(source: string, vars: Variables): boolean {
  const compiled = compileCondition(source)
  if (!compiled.ok) {
    throw new Error(
      `${JSON.stringify(source)} did not compile: ${compiled.error.message} at column ${compiled.error.column}`
    )
  }
  const result = evaluateCondition(compiled, vars)
  expect(
    conditionHolds(source, vars),
    `conditionHolds(${JSON.stringify(source)}) disagrees with evaluateCondition`
  ).toBe(result)
  return result
}

type Case = [name: string, source: string, vars: Variables, expected: boolean]

describe('existence test $VAR', () => {
  it.each<Case>([
    ['a missing variable is false (catches default-true fallthrough)', '$X', {}, false],
    ['an empty string is false', '$X', { X: '' }, false],
    [
      'the string "0" is true: it is set and non-empty (catches numeric coercion of strings)',
      '$X',
      { X: '0' },
      true
    ],
    [
      'the string "false" is true: variables are strings in the Rust llmnet',
      '$X',
      { X: 'false' },
      true
    ],
    ['boolean false is false', '$X', { X: false }, false],
    ['boolean true is true', '$X', { X: true }, true],
    ['number 0 is true (catches JavaScript falsy coercion)', '$X', { X: 0 }, true],
    ['a non-zero number is true', '$X', { X: 42 }, true],
    ['null is false', '$X', { X: null }, false],
    ['undefined is false', '$X', { X: undefined }, false],
    ['an empty object is false (catches "every object is truthy")', '$X', { X: {} }, false],
    ['a non-empty object is true', '$X', { X: { a: 1 } }, true],
    ['an empty array is false', '$X', { X: [] }, false],
    ['a non-empty array is true', '$X', { X: ['a'] }, true],
    [
      'a different variable being set does not make it true (catches wrong lookup)',
      '$X',
      { Y: 'set' },
      false
    ]
  ])('%s', (_name, source, vars, expected) => {
    expect(holds(source, vars)).toBe(expected)
  })

  it('is an existence test, not a comparison, in the compiled tree (catches parsing $VAR as $VAR == "")', () => {
    const compiled = compileCondition('$OutputCustomKey')
    expect(compiled.ok && compiled.expr).toEqual({
      kind: 'exists',
      operand: { kind: 'var', name: 'OutputCustomKey', column: 1 }
    })
  })
})

describe('== and != with quoted, single-quoted and bare-word right sides', () => {
  it.each<Case>([
    [
      'bare word matches (catches bare words parsed as variables or rejected)',
      '$PREV_NODE == router',
      { PREV_NODE: 'router' },
      true
    ],
    [
      'bare word is an exact match, not a prefix',
      '$PREV_NODE == router',
      { PREV_NODE: 'router-2' },
      false
    ],
    [
      'double-quoted right side has its quotes stripped',
      '$PREV_NODE == "router"',
      { PREV_NODE: 'router' },
      true
    ],
    [
      "single-quoted right side has its quotes stripped (catches the Rust llmnet's double-quotes-only stripping)",
      "$PREV_NODE == 'router'",
      { PREV_NODE: 'router' },
      true
    ],
    ['a quoted string keeps inner spaces', '$X == "hello world"', { X: 'hello world' }, true],
    ['a quoted string keeps inner spaces (negative)', '$X == "hello world"', { X: 'hello' }, false],
    [
      'an escaped quote inside a string is part of the value',
      '$X == "say \\"hi\\""',
      { X: 'say "hi"' },
      true
    ],
    [
      'a bare word may hold / : - . (model ids, catches a too-narrow word pattern)',
      '$MODEL == google/gemma-3-27b-it:free',
      { MODEL: 'google/gemma-3-27b-it:free' },
      true
    ],
    ['equality is case-sensitive', '$PREV_NODE == Router', { PREV_NODE: 'router' }, false],
    ['== without spaces', '$PREV_NODE=="router"', { PREV_NODE: 'router' }, true],
    ['!= is true for a different value', '$PREV_NODE != "router"', { PREV_NODE: 'handler' }, true],
    ['!= is false for the same value', '$PREV_NODE != router', { PREV_NODE: 'router' }, false],
    ['== compares an empty string with ""', '$X == ""', { X: '' }, true],
    ['== of two variables with equal values', '$A == $B', { A: 'x', B: 'x' }, true],
    ['== of two variables with different values', '$A == $B', { A: 'x', B: 'y' }, false],
    ['a literal may be on the left', 'router == $PREV_NODE', { PREV_NODE: 'router' }, true]
  ])('%s', (_name, source, vars, expected) => {
    expect(holds(source, vars)).toBe(expected)
  })
})

describe('== and != against numbers and booleans (typed comparison)', () => {
  it.each<Case>([
    [
      'a numeric string equals a number (catches string-vs-number ===)',
      '$WORD_COUNT == 10',
      { WORD_COUNT: '10' },
      true
    ],
    [
      'numeric equality ignores formatting: "10.0" == 10',
      '$WORD_COUNT == 10',
      { WORD_COUNT: '10.0' },
      true
    ],
    [
      'a number variable equals a quoted numeric string',
      '$WORD_COUNT == "10"',
      { WORD_COUNT: 10 },
      true
    ],
    ['a number variable equals a number', '$HOP_COUNT == 0', { HOP_COUNT: 0 }, true],
    ['a non-numeric string is not == a number', '$NAME == 5', { NAME: 'abc' }, false],
    // docs/conditions.md: "If either side is a number, both are compared as numbers; a string
    // that is not a number makes the comparison false" — for != too (never silently true).
    [
      'a non-numeric string != a number is false, as documented (catches JS !== type-mismatch truth)',
      '$NAME != 5',
      { NAME: 'abc' },
      false
    ],
    ['an object != a number is false, as documented', '$RESULT != 5', { RESULT: { a: 1 } }, false],
    [
      'a numeric string is not != the same number',
      '$WORD_COUNT != 10',
      { WORD_COUNT: '10' },
      false
    ],
    ['boolean true == true', '$FLAG == true', { FLAG: true }, true],
    [
      'the string "true" == true (variables are strings in the Rust llmnet)',
      '$FLAG == true',
      { FLAG: 'true' },
      true
    ],
    ['boolean false == false', '$FLAG == false', { FLAG: false }, true],
    ['boolean false != true', '$FLAG != true', { FLAG: false }, true],
    ['boolean true is not == false', '$FLAG == false', { FLAG: true }, false],
    ['an object is not == a plain string', '$RESULT == "x"', { RESULT: { a: 1 } }, false]
  ])('%s', (_name, source, vars, expected) => {
    expect(holds(source, vars)).toBe(expected)
  })
})

describe('numeric ordering > >= < <=', () => {
  it.each<Case>([
    ['> with a number variable', '$WORD_COUNT > 10', { WORD_COUNT: 11 }, true],
    ['> is strict', '$WORD_COUNT > 10', { WORD_COUNT: 10 }, false],
    ['>= includes equality', '$WORD_COUNT >= 10', { WORD_COUNT: 10 }, true],
    ['>= is false below', '$WORD_COUNT >= 10', { WORD_COUNT: 9 }, false],
    ['< with a number variable', '$WORD_COUNT < 10', { WORD_COUNT: 9 }, true],
    ['< is strict', '$WORD_COUNT < 10', { WORD_COUNT: 10 }, false],
    ['<= includes equality', '$WORD_COUNT <= 10', { WORD_COUNT: 10 }, true],
    ['<= is false above', '$WORD_COUNT <= 10', { WORD_COUNT: 11 }, false],
    ['a numeric string compares as a number', '$WORD_COUNT > 10', { WORD_COUNT: '11' }, true],
    [
      '"100" > 10 numerically (catches lexicographic compare of numeric strings)',
      '$WORD_COUNT > 10',
      { WORD_COUNT: '100' },
      true
    ],
    [
      '"9" > 10 is false numerically (catches lexicographic compare: "9" > "10")',
      '$WORD_COUNT > 10',
      { WORD_COUNT: '9' },
      false
    ],
    [
      '$WORD_COUNT>10 without spaces is a numeric comparison (catches the Rust llmnet reading it as existence of "WORD_COUNT>10")',
      '$WORD_COUNT>10',
      { WORD_COUNT: '11' },
      true
    ],
    ['$WORD_COUNT>10 without spaces, false case', '$WORD_COUNT>10', { WORD_COUNT: '3' }, false],
    [
      '$WORD_COUNT>=10 without spaces (catches ">" and "=" split into two tokens)',
      '$WORD_COUNT>=10',
      { WORD_COUNT: 10 },
      true
    ],
    ['$WORD_COUNT<=10 without spaces', '$WORD_COUNT<=10', { WORD_COUNT: 10 }, true],
    ['negative decimals', '$SCORE > -1.5', { SCORE: '0' }, true],
    ['negative decimals without spaces', '$SCORE>-1.5', { SCORE: '-2' }, false],
    ['exponent notation', '$SCORE > 2.5e1', { SCORE: 26 }, true],
    ['a leading-dot decimal', '$SCORE < .5', { SCORE: '0.25' }, true],
    ['a literal on the left', '10 < $WORD_COUNT', { WORD_COUNT: 11 }, true],
    ['both sides variables, numbers', '$A > $B', { A: 3, B: 2 }, true],
    ['an empty string is not a number (catches Number("") === 0)', '$X >= 0', { X: '' }, false],
    ['a blank string is not a number (catches Number("  ") === 0)', '$X <= 0', { X: '   ' }, false]
  ])('%s', (_name, source, vars, expected) => {
    expect(holds(source, vars)).toBe(expected)
  })
})

describe('string ordering is lexicographic', () => {
  it.each<Case>([
    [
      '$REQUEST_ID < "8" with "10" is true lexicographically, though 10 > 8 (catches numeric coercion of a quoted string)',
      '$REQUEST_ID < "8"',
      { REQUEST_ID: '10' },
      true
    ],
    [
      '$REQUEST_ID < "8" with a uuid starting with 3 (the A/B split of the docs)',
      '$REQUEST_ID < "8"',
      { REQUEST_ID: '3f2a9c1e-0000-4000-8000-000000000000' },
      true
    ],
    [
      '$REQUEST_ID < "8" with a uuid starting with c',
      '$REQUEST_ID < "8"',
      { REQUEST_ID: 'c0ffee00-0000-4000-8000-000000000000' },
      false
    ],
    [
      '$REQUEST_ID < "8" with "9abc" is false (catches the Rust llmnet default-true)',
      '$REQUEST_ID < "8"',
      { REQUEST_ID: '9abc' },
      false
    ],
    ['single-quoted strings order too', "$X >= 'b'", { X: 'b' }, true],
    ['bare words order too', '$X > apple', { X: 'banana' }, true]
  ])('%s', (_name, source, vars, expected) => {
    expect(holds(source, vars)).toBe(expected)
  })
})

describe('ordering between a number and a non-numeric value is false (catches the Rust llmnet default-true and JS NaN coercion)', () => {
  it.each<Case>([
    ['$NAME > 5', '$NAME > 5', { NAME: 'abc' }, false],
    ['$NAME >= 5', '$NAME >= 5', { NAME: 'abc' }, false],
    ['$NAME < 5', '$NAME < 5', { NAME: 'abc' }, false],
    ['$NAME <= 5', '$NAME <= 5', { NAME: 'abc' }, false],
    ['5 < $NAME', '5 < $NAME', { NAME: 'abc' }, false],
    ['a number variable against a non-numeric word', '$WORD_COUNT > abc', { WORD_COUNT: 3 }, false],
    ['a boolean against a number', '$FLAG > 0', { FLAG: true }, false],
    ['an object against a number', '$RESULT > 0', { RESULT: { a: 1 } }, false],
    ['booleans have no order', '$FLAG > false', { FLAG: true }, false],
    [
      'the negation of such a comparison is true (catches a comparison that throws or is "unknown")',
      '!($NAME > 5)',
      { NAME: 'abc' },
      true
    ]
  ])('%s', (_name, source, vars, expected) => {
    expect(holds(source, vars)).toBe(expected)
  })
})

describe('a missing variable makes every comparison false, != included (catches the Rust llmnet: != true, numeric default-true)', () => {
  it.each(['==', '!=', '>', '>=', '<', '<='])(
    '$MISSING %s 5 and $MISSING %s "x" are false',
    (op) => {
      expect(holds(`$MISSING ${op} 5`, {})).toBe(false)
      expect(holds(`$MISSING ${op} "x"`, {})).toBe(false)
      expect(holds(`5 ${op} $MISSING`, {})).toBe(false)
    }
  )

  it.each<Case>([
    [
      'two missing variables are not equal (catches undefined === undefined)',
      '$A == $B',
      {},
      false
    ],
    ['a null value compares like a missing one', '$A != "x"', { A: null }, false],
    ['a missing dotted path compares false', '$RESULT.a.b != "x"', { RESULT: { a: {} } }, false],
    ['!= against an empty string is still false when missing', '$A != ""', {}, false]
  ])('%s', (_name, source, vars, expected) => {
    expect(holds(source, vars)).toBe(expected)
  })
})

describe('&&, ||, ! and parentheses', () => {
  const T = 'yes'
  const F = ''
  it.each<Case>([
    ['&& both true', '$A && $B', { A: T, B: T }, true],
    ['&& one false', '$A && $B', { A: T, B: F }, false],
    ['|| one true', '$A || $B', { A: F, B: T }, true],
    ['|| both false', '$A || $B', { A: F, B: F }, false],
    ['! negates', '!$A', { A: F }, true],
    ['! of a missing variable is true', '!$MISSING', {}, true],
    ['!! double negation', '!!$A', { A: T }, true],
    [
      '&& binds tighter than || (catches left-to-right evaluation: (A || B) && C)',
      '$A || $B && $C',
      { A: T, B: F, C: F },
      true
    ],
    ['&& binds tighter than ||, on the right too', '$A && $B || $C', { A: F, B: T, C: T }, true],
    ['parentheses override precedence', '($A || $B) && $C', { A: T, B: F, C: F }, false],
    ['! binds tighter than && (catches !(A && B))', '!$A && $B', { A: F, B: F }, false],
    ['! applies to a parenthesised group', '!($A && $B)', { A: F, B: F }, true],
    ['! of a parenthesised comparison', '!($WORD_COUNT > 5) && $A', { WORD_COUNT: 3, A: T }, true],
    [
      '!$X > 5 reads as !($X > 5): a comparison is one operand-level unit (catches (!$X) > 5, never true)',
      '!$WORD_COUNT > 5',
      { WORD_COUNT: 3 },
      true
    ],
    ['nested parentheses', '((($A)))', { A: T }, true],
    [
      'mixed comparisons',
      '$WORD_COUNT >= 10 && $PREV_NODE != router || $HOP_COUNT == 0',
      { WORD_COUNT: 12, PREV_NODE: 'router', HOP_COUNT: 0 },
      true
    ],
    [
      'mixed comparisons, all false',
      '$WORD_COUNT >= 10 && $PREV_NODE != router || $HOP_COUNT == 0',
      { WORD_COUNT: 12, PREV_NODE: 'router', HOP_COUNT: 1 },
      false
    ],
    ['operators without spaces', '$A&&!$B||$C', { A: T, B: F, C: F }, true],
    ['|| chains of three', '$A || $B || $C', { A: F, B: F, C: T }, true],
    ['&& chains of three', '$A && $B && $C', { A: T, B: T, C: F }, false]
  ])('%s', (_name, source, vars, expected) => {
    expect(holds(source, vars)).toBe(expected)
  })
})

describe('${VAR} braces', () => {
  it.each<Case>([
    [
      '${VAR} in a comparison (catches "{" read as part of the name)',
      '${WORD_COUNT} > 3',
      { WORD_COUNT: 4 },
      true
    ],
    ['${VAR} as an existence test', '${OutputCustomKey}', { OutputCustomKey: 'x' }, true],
    ['${VAR} as an existence test, missing', '${OutputCustomKey}', {}, false],
    ['${VAR} directly followed by an operator', '${A}&&${B}', { A: 'x', B: 'y' }, true],
    ['${VAR.a.b} dotted inside braces', '${RESULT.a.b} == x', { RESULT: { a: { b: 'x' } } }, true],
    ['$VAR and ${VAR} mixed', '$A == ${B}', { A: 'same', B: 'same' }, true]
  ])('%s', (_name, source, vars, expected) => {
    expect(holds(source, vars)).toBe(expected)
  })
})

describe('dotted paths walk into objects', () => {
  const RESULT = { a: { b: 'x', n: 5, empty: '' }, list: ['first'], flag: false }
  it.each<Case>([
    ['$RESULT.a.b reads a nested value', '$RESULT.a.b == "x"', { RESULT }, true],
    ['$RESULT.a.b as an existence test', '$RESULT.a.b', { RESULT }, true],
    ['$RESULT.a.n compares numerically', '$RESULT.a.n >= 5', { RESULT }, true],
    ['$RESULT.a.empty is falsy', '$RESULT.a.empty', { RESULT }, false],
    ['$RESULT.flag is falsy', '$RESULT.flag', { RESULT }, false],
    [
      'a missing key is falsy (catches throwing on undefined)',
      '$RESULT.nope.deeper',
      { RESULT },
      false
    ],
    [
      'walking into a string is undefined (catches "x".length style property reads)',
      '$RESULT.a.b.length',
      { RESULT },
      false
    ],
    ['array elements by index', '$RESULT.list.0 == first', { RESULT }, true],
    ['a missing root is falsy', '$NOPE.a', { RESULT }, false],
    ['a literal dotted key wins over walking', '$RESULT.a == y', { 'RESULT.a': 'y', RESULT }, true],
    [
      'inherited properties are not variables (catches $RESULT.constructor being truthy on every object)',
      '$RESULT.constructor',
      { RESULT },
      false
    ],
    ['inherited properties are not variables (toString)', '$RESULT.a.toString', { RESULT }, false]
  ])('%s', (_name, source, vars, expected) => {
    expect(holds(source, vars)).toBe(expected)
  })
})

describe('boolean literals true and false', () => {
  it.each<Case>([
    ['true alone holds', 'true', {}, true],
    [
      'false alone does not hold (catches bare words compiled as truthy strings)',
      'false',
      {},
      false
    ],
    ['!false holds', '!false', {}, true],
    ['true && $A depends on $A', 'true && $A', { A: '' }, false],
    ['false || $A depends on $A', 'false || $A', { A: 'x' }, true],
    ['true == true', 'true == true', {}, true],
    [
      '"true" in quotes is a string, not a boolean, but still equals a true variable',
      '$FLAG == "true"',
      { FLAG: true },
      true
    ]
  ])('%s', (_name, source, vars, expected) => {
    expect(holds(source, vars)).toBe(expected)
  })
})

describe('compiled variables carry their 1-based columns (catches wrong unknown-variable positions)', () => {
  it.each<[string, { name: string; column: number }[]]>([
    ['$A', [{ name: 'A', column: 1 }]],
    ['  $WORD_COUNT > 3', [{ name: 'WORD_COUNT', column: 3 }]],
    [
      '$A && ${B} == 1',
      [
        { name: 'A', column: 1 },
        { name: 'B', column: 7 }
      ]
    ],
    [
      '!($RESULT.a.b == $PREV_NODE)',
      [
        { name: 'RESULT.a.b', column: 3 },
        { name: 'PREV_NODE', column: 18 }
      ]
    ],
    ['true', []]
  ])('%s', (source, variables) => {
    const compiled = compileCondition(source)
    expect(compiled.ok).toBe(true)
    if (compiled.ok) expect(compiled.variables).toEqual(variables)
  })
})

describe('syntax errors report a 1-based column', () => {
  it.each<[name: string, source: string, column: number, message: RegExp]>([
    ['an empty condition (catches "" passing as always-true)', '', 1, /empty/],
    ['a blank condition', '   ', 1, /empty/],
    [
      'a doubled operator points at the second one (column 15)',
      '$WORD_COUNT > > 3',
      15,
      /expected a \$VARIABLE or a value, found ">"/
    ],
    ['an unterminated string points at its opening quote', '$X == "abc', 7, /unterminated string/],
    ['an unterminated single-quoted string', "$X == 'abc", 7, /unterminated string/],
    ['a missing ")" points at the end', '($X == 1', 9, /missing "\)"/],
    ['a missing ")" before &&', '($A && ($B) || $C', 18, /missing "\)"/],
    ['a single "=" suggests "=="', '$X = 1', 4, /use "=="/],
    ['a single "&" suggests "&&"', '$A & $B', 4, /use "&&"/],
    ['a single "|" suggests "||"', '$A | $B', 4, /use "\|\|"/],
    [
      'a bare literal with no operator (catches literals being truthy)',
      '5',
      2,
      /expected a comparison operator/
    ],
    ['a bare quoted string with no operator', '"router"', 9, /expected a comparison operator/],
    ['a bare word with no operator', 'router', 7, /expected a comparison operator/],
    ['"$" alone', '$', 1, /expected a variable name after "\$"/],
    ['"$" followed by a digit', '$1 > 0', 1, /expected a variable name/],
    ['"${" without "}"', '${X > 1', 1, /missing "\}"/],
    ['a comparison with no right side', '$X ==', 6, /found the end of the condition/],
    ['a trailing &&', '$A &&', 6, /found the end of the condition/],
    ['empty parentheses', '()', 2, /found "\)"/],
    ['two values without an operator', '$X == 1 2', 9, /unexpected 2/],
    ['a stray ")"', '$A)', 3, /unexpected "\)"/],
    ['a chained comparison', '1 < $X < 3', 8, /unexpected "<"/],
    ['an unknown character', '$A ~ 1', 4, /unexpected character "~"/]
  ])('%s: %j at column %i', (_name, source, column, message) => {
    const compiled = compileCondition(source)
    expect(compiled.ok).toBe(false)
    if (!compiled.ok) {
      expect(compiled.error.column).toBe(column)
      expect(compiled.error.message).toMatch(message)
    }
  })

  it('conditionHolds is false (never silently true) for a condition that does not parse', () => {
    expect(conditionHolds('$X = 1', { X: '1' })).toBe(false)
    expect(conditionHolds('', {})).toBe(false)
    expect(conditionHolds('!(', {})).toBe(false)
  })
})

describe('conditionHolds memoisation', () => {
  it('re-evaluates a cached condition against new variables (catches caching the result instead of the compiled form)', () => {
    expect(
      conditionHolds('$WORD_COUNT > 10 && $MEMO_TEST', { WORD_COUNT: 11, MEMO_TEST: 'x' })
    ).toBe(true)
    expect(
      conditionHolds('$WORD_COUNT > 10 && $MEMO_TEST', { WORD_COUNT: 9, MEMO_TEST: 'x' })
    ).toBe(false)
    expect(conditionHolds('$WORD_COUNT > 10 && $MEMO_TEST', { WORD_COUNT: 11 })).toBe(false)
  })

  it('keeps working after the cache is cleared (more than 1000 distinct conditions)', () => {
    for (let i = 0; i < 1100; i++) expect(conditionHolds(`$N == ${i}`, { N: i })).toBe(true)
    expect(conditionHolds('$N == 0', { N: 0 })).toBe(true)
    expect(conditionHolds('$N == 0', { N: 1 })).toBe(false)
  })
})
