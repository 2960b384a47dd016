import { describe, expect, it } from 'vitest'
import { createRedactor, MIN_REDACTED_LENGTH, REDACTED, redactDeep, StreamRedactor } from './redact'

describe('createRedactor', () => {
  it('replaces every occurrence, not just the first (a non-global replace leaked repeats)', () => {
    const redact = createRedactor(['sk-secret-1'])
    expect(redact('a sk-secret-1 b sk-secret-1 c')).toBe(`a ${REDACTED} b ${REDACTED} c`)
  })

  it('matches the longest secret first, so one containing another is not left half visible', () => {
    const redact = createRedactor(['abcd', 'abcdefgh'])
    expect(redact('x abcdefgh y abcd')).toBe(`x ${REDACTED} y ${REDACTED}`)
  })

  it(`ignores values shorter than ${MIN_REDACTED_LENGTH} characters instead of shredding ordinary text`, () => {
    const redact = createRedactor(['on', 'abc', '', 'long-enough'])
    expect(redact('on and on, abc, long-enough')).toBe(`on and on, abc, ${REDACTED}`)
  })

  it('treats regex metacharacters in a secret literally (an unescaped pattern matched too much or threw)', () => {
    const redact = createRedactor(['a.b*c(d)[e]$', 'p+q?'])
    expect(redact('a.b*c(d)[e]$ and aXbbbc(d)[e]')).toBe(`${REDACTED} and aXbbbc(d)[e]`)
    expect(redact('p+q? pq')).toBe(`${REDACTED} pq`)
  })

  it('also hides the JSON-escaped form, so a secret with a quote or newline does not survive JSON.stringify', () => {
    const secret = 'pa"ss\nword'
    const redact = createRedactor([secret])
    expect(redact(JSON.stringify({ key: secret }))).toBe(`{"key":"${REDACTED}"}`)
  })

  it('also hides the URL-encoded form, as it appears in a logged query string', () => {
    const secret = 'tok en/+='
    const redact = createRedactor([secret])
    expect(redact(`https://x.test/?key=${encodeURIComponent(secret)}`)).toBe(
      `https://x.test/?key=${REDACTED}`
    )
  })

  it('returns text unchanged when there are no secrets (and does not build a pattern that matches everything)', () => {
    const redact = createRedactor([])
    expect(redact('anything at all')).toBe('anything at all')
    expect(createRedactor(['', 'ab'])('ab')).toBe('ab')
  })

  it('can be called repeatedly (a stale lastIndex on a global regex skipped matches on the next call)', () => {
    const redact = createRedactor(['secret-value'])
    for (let i = 0; i < 3; i++) expect(redact('secret-value')).toBe(REDACTED)
  })
})

describe('redactDeep', () => {
  it('redacts strings inside nested objects and arrays without mutating the input', () => {
    const redact = createRedactor(['sk-deep-secret'])
    const input = {
      a: 'x sk-deep-secret',
      b: [1, 'sk-deep-secret', { c: 'sk-deep-secret!' }],
      n: null,
      t: true
    }
    const out = redactDeep(input, redact)
    expect(out).toEqual({
      a: `x ${REDACTED}`,
      b: [1, REDACTED, { c: `${REDACTED}!` }],
      n: null,
      t: true
    })
    expect(input.a).toBe('x sk-deep-secret')
    expect(input.b[1]).toBe('sk-deep-secret')
  })

  it('redacts a bare string', () => {
    expect(redactDeep('sk-deep-secret', createRedactor(['sk-deep-secret']))).toBe(REDACTED)
  })

  it('returns the very same object when there are no secrets, without walking it (cheap on every trace)', () => {
    const input = { a: { b: ['c'] } }
    expect(redactDeep(input, createRedactor([]))).toBe(input)
  })

  it('keeps untouched subtrees by identity and copies only what changed', () => {
    const clean = { x: ['nothing here'] }
    const input = { clean, dirty: { s: 'sk-deep-secret' } }
    const out = redactDeep(input, createRedactor(['sk-deep-secret']))
    expect(out).not.toBe(input)
    expect(out.clean).toBe(clean)
    expect(redactDeep(clean, createRedactor(['sk-deep-secret']))).toBe(clean)
  })

  it('leaves object keys and non-plain objects (Date, Map) alone', () => {
    const date = new Date(0)
    const map = new Map([['k', 'sk-deep-secret']])
    const out = redactDeep({ 'sk-deep-secret': 'v', date, map }, createRedactor(['sk-deep-secret']))
    expect(Object.keys(out)).toEqual(['sk-deep-secret', 'date', 'map'])
    expect(out.date).toBe(date)
    expect(out.map).toBe(map)
  })

  it('terminates on a cyclic object instead of overflowing the stack', () => {
    const input: { self?: unknown; s: string } = { s: 'sk-deep-secret' }
    input.self = input
    const out = redactDeep(input, createRedactor(['sk-deep-secret']))
    expect(out.s).toBe(REDACTED)
  })
})

describe('StreamRedactor', () => {
  it('catches a secret split across pieces and holds back no more than needed (catches leaks at chunk boundaries)', () => {
    const secret = 'hunter22-secret'
    const sr = new StreamRedactor(createRedactor([secret]), [secret])
    const out = ['pass: hunt', 'er22-sec', 'ret. done'].map((p) => sr.push(p)).join('') + sr.flush()
    expect(out).toBe('pass: [redacted]. done')
  })
})
