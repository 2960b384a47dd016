import { describe, expect, it } from 'vitest'
import type { SecretLookup } from '../engine/ports'
import { renderValue, substituteJson, substituteString, UnresolvedSecretError } from './substitute'

const SECRET_VALUE = 's3cr3t-value'
const secrets: SecretLookup = {
  get: (name, variable) =>
    name === 'api' && variable === 'TOKEN'
      ? SECRET_VALUE
      : name === 'my-db' && variable === 'PASS'
        ? 'p&w d'
        : undefined
}
const vars = {
  INPUT: 'hello',
  INPUT_LENGTH: 5,
  OUTPUT: 'done',
  NODE: 'router',
  WORD_COUNT: 12,
  FLAG: true,
  NOTHING: null,
  OBJ: { a: 1, b: [true] },
  TRICKY: 'contains $OUTPUT and ${NODE} and $secrets.api.TOKEN',
  QUERY: 'a b&c=d/e?f#g'
}

describe('substituteString', () => {
  it.each([
    [
      '$INPUT_LENGTH',
      '5',
      'fails if $INPUT is replaced inside $INPUT_LENGTH (hash-order clash of the Rust llmnet)'
    ],
    ['$INPUT $INPUT_LENGTH', 'hello 5', 'fails if the shorter name wins when both appear'],
    [
      '$INPUTS',
      'helloS',
      'fails if a defined prefix is not used when the longer name is unknown (original compatibility)'
    ],
    ['${INPUT}_LENGTH', 'hello_LENGTH', 'fails if braces do not delimit the name'],
    ['${INPUT_LENGTH}', '5', 'fails if braced names are not looked up'],
    ['[$NODE]', '[router]', 'fails if names are not delimited by punctuation'],
    ['$FOO and ${BAR}', '$FOO and ${BAR}', 'fails if unknown variables are not kept as written'],
    ['$ 1 $1 $', '$ 1 $1 $', 'fails if a lone $ or $digit is touched'],
    ['$TRICKY', vars.TRICKY, 'fails if a substituted value is substituted again'],
    ['$WORD_COUNT words', '12 words', 'fails if numbers are not rendered as JSON text'],
    ['$FLAG/$NOTHING', 'true/null', 'fails if booleans and null are not rendered as JSON text'],
    ['$OBJ', '{"a":1,"b":[true]}', 'fails if objects are not rendered as JSON text']
  ])('%s → %s (%s)', (template, expected) => {
    expect(substituteString(template, vars, secrets)).toBe(expected)
  })

  it('resolves $secrets.NAME.VAR and ${secrets.NAME.VAR}, names with dashes (fails if secrets are not looked up)', () => {
    expect(substituteString('Bearer $secrets.api.TOKEN', vars, secrets)).toBe(
      `Bearer ${SECRET_VALUE}`
    )
    expect(substituteString('${secrets.api.TOKEN}x', vars, secrets)).toBe(`${SECRET_VALUE}x`)
    expect(substituteString('$secrets.my-db.PASS', vars, secrets)).toBe('p&w d')
  })

  it('an unresolvable secret is a typed error naming the reference but no secret value (fails if it becomes "" as in the Rust llmnet, or leaks)', () => {
    let caught: unknown
    try {
      substituteString('key=$secrets.api.TOKEN&other=$secrets.api.MISSING', vars, secrets)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(UnresolvedSecretError)
    const err = caught as UnresolvedSecretError
    expect(err.reference).toBe('$secrets.api.MISSING')
    expect(err.message).toContain('$secrets.api.MISSING')
    expect(err.message).not.toContain(SECRET_VALUE)
    expect(() => substituteString('$secrets.nosuch.VAR', vars, secrets)).toThrow(
      UnresolvedSecretError
    )
    expect(() => substituteString('$secrets.api.TOKEN', vars)).toThrow(/\$secrets\.api\.TOKEN/)
  })

  it('url encoding applies to substituted values only (fails if literal ?&= are encoded or values are not)', () => {
    const out = substituteString(
      'https://example.com/search?q=$QUERY&n=$WORD_COUNT',
      vars,
      secrets,
      { encode: 'url' }
    )
    expect(out).toBe('https://example.com/search?q=a%20b%26c%3Dd%2Fe%3Ff%23g&n=12')
    expect(substituteString('/db?p=$secrets.my-db.PASS', vars, secrets, { encode: 'url' })).toBe(
      '/db?p=p%26w%20d'
    )
    // unknown variables are not values: kept as written
    expect(substituteString('?x=$FOO', vars, secrets, { encode: 'url' })).toBe('?x=$FOO')
  })

  it('renderValue matches the documented rendering (fails if strings get quoted)', () => {
    expect(renderValue('a"b')).toBe('a"b')
    expect(renderValue(null)).toBe('null')
    expect(renderValue(1.5)).toBe('1.5')
    expect(renderValue([1, 'x'])).toBe('[1,"x"]')
  })
})

describe('substituteJson', () => {
  it('a string that is exactly one variable keeps its type (fails if "$WORD_COUNT" becomes "12" as in the Rust llmnet)', () => {
    const out = substituteJson(
      { n: '$WORD_COUNT', b: '${FLAG}', o: '$OBJ', z: '$NOTHING', s: '$INPUT' },
      vars,
      secrets
    )
    expect(out).toEqual({ n: 12, b: true, o: { a: 1, b: [true] }, z: null, s: 'hello' })
  })

  it('other strings get text substitution (fails if mixed text keeps raw values)', () => {
    expect(
      substituteJson({ t: 'count: $WORD_COUNT', p: '$INPUTS', u: '$FOO' }, vars, secrets)
    ).toEqual({ t: 'count: 12', p: 'helloS', u: '$FOO' })
  })

  it('walks arrays and nested objects and substitutes object keys (fails if keys or nested values are skipped)', () => {
    const out = substituteJson(
      { $NODE: { list: ['$INPUT', 3, false, null, { '${NODE}_x': '$INPUT_LENGTH' }] } },
      vars,
      secrets
    )
    expect(out).toEqual({ router: { list: ['hello', 3, false, null, { router_x: 5 }] } })
  })

  it('does not re-substitute values inside JSON (fails if a value holding $OUTPUT is expanded)', () => {
    expect(substituteJson({ v: '$TRICKY', w: 'x $TRICKY' }, vars, secrets)).toEqual({
      v: vars.TRICKY,
      w: `x ${vars.TRICKY}`
    })
  })

  it('secrets inside JSON resolve, and an unresolved one throws without leaking (fails if a missing secret is sent as "")', () => {
    expect(substituteJson({ auth: '$secrets.api.TOKEN' }, vars, secrets)).toEqual({
      auth: SECRET_VALUE
    })
    expect(() => substituteJson({ a: ['$secrets.api.NOPE'] }, vars, secrets)).toThrow(
      UnresolvedSecretError
    )
  })

  it('does not mutate its input (fails if the composition object is modified)', () => {
    const input = { a: ['$INPUT'] }
    substituteJson(input, vars, secrets)
    expect(input).toEqual({ a: ['$INPUT'] })
  })
})
