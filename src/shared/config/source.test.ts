/**
 * Hostile compositions (absurd nesting, YAML alias bombs) end as a diagnostic at `line:column`,
 * never as a thrown stack overflow or an exponential expansion.
 */
import { describe, expect, it } from 'vitest'
import { MAX_NESTING, parseSource, tooDeepOffset } from './source'
import { validateText } from './validate'

const DEPTH = 5000

/** 1-based line and column of `offset` in `text`, computed independently of the locator. */
function posOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n')
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 }
}

/** The text of a minimal composition with `x` set to `value`, and where `value` starts. */
function withX(value: string, prefix = ''): { text: string; start: number } {
  const head = `${prefix}{"models": {}, "architecture": [], "x": `
  return { text: `${head}${value}}`, start: head.length }
}

/** A YAML "billion laughs": nine levels of nine aliases each. */
function aliasBomb(): { text: string; firstAlias: number } {
  const lines = ['models: {}', 'architecture: []', 'l0: &l0 ["lol","lol","lol","lol","lol"]']
  for (let i = 1; i < 10; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`)}]`)
  const text = `${lines.join('\n')}\n`
  return { text, firstAlias: text.indexOf('*l0') }
}

describe('nesting and alias limits', () => {
  it('JSON nested thousands of levels deep is an error at the first opener past the limit (fails if it overflows the stack)', () => {
    const { text, start } = withX(`${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`)
    const result = validateText(text, { format: 'json' })
    expect(result.ok).toBe(false)
    // The outer object is level 1, so the x array's opener number MAX_NESTING is one too deep.
    const at = posOf(text, start + MAX_NESTING - 1)
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        ...at,
        message: expect.stringContaining(`nested deeper than ${MAX_NESTING} levels`)
      })
    ])
  })

  it('JSONC: brackets inside comments and strings do not count, objects do (fails if the scan misreads JSONC)', () => {
    const noise = `// [[[[ {{{{\n/* [[[[ */`
    const harmless = withX(`"${'['.repeat(300)}"`, noise)
    expect(tooDeepOffset(harmless.text)).toBeUndefined()
    expect(validateText(harmless.text, { format: 'json' }).diagnostics).not.toContainEqual(
      expect.objectContaining({ code: 'syntax' })
    )
    const deep = withX(`${'{"a": '.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`, noise)
    const result = validateText(deep.text, { format: 'json' })
    expect(result.ok).toBe(false)
    expect(result.diagnostics[0]).toMatchObject(
      posOf(deep.text, deep.start + (MAX_NESTING - 1) * '{"a": '.length)
    )
  })

  it('nesting up to the limit is accepted (fails if the limit bites real documents)', () => {
    const { text } = withX(`${'['.repeat(MAX_NESTING - 1)}${']'.repeat(MAX_NESTING - 1)}`)
    expect(tooDeepOffset(text)).toBeUndefined()
    expect(parseSource(text, 'json').syntaxErrors).toEqual([])
  })

  it('a YAML alias bomb is an error at its first alias, not an expansion (fails if it throws)', () => {
    const { text, firstAlias } = aliasBomb()
    const result = validateText(text, { format: 'yaml' })
    expect(result.ok).toBe(false)
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        ...posOf(text, firstAlias),
        message: expect.stringContaining('aliases expand too much')
      })
    ])
  })

  it('YAML nested past the limit is an error at the too-deep collection (fails if it overflows)', () => {
    const depth = MAX_NESTING + 20
    const text = `models: {}\narchitecture: []\nx: ${'['.repeat(depth)}${']'.repeat(depth)}\n`
    const result = validateText(text, { format: 'yaml' })
    expect(result.ok).toBe(false)
    // As in JSON, counting the root as level 1, bracket number MAX_NESTING is one level too deep.
    expect(result.diagnostics[0]).toMatchObject({
      ...posOf(text, text.indexOf('x: ') + 3 + MAX_NESTING - 1),
      message: expect.stringContaining('nested deeper')
    })
    const huge = `models: {}\narchitecture: []\nx: ${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}\n`
    expect(validateText(huge, { format: 'yaml' }).diagnostics[0]?.message).toContain(
      'nested deeper'
    )
  })
})
