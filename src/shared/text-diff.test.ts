import { describe, expect, it } from 'vitest'
import { applyPatch } from 'diff'
import { diffLines, formatUnifiedDiff, type TextDiff } from './text-diff'

/** Rebuilds the new text from the old one and the hunks, as `patch` would (jsdiff's applyPatch). */
function applyDiff(oldText: string, diff: TextDiff): string {
  const patch = formatUnifiedDiff(diff, { from: 'a', to: 'b' })
  const out = applyPatch(oldText, patch)
  if (out === false) throw new Error(`the patch does not apply:\n${patch}`)
  return out
}

/** Length of the longest common subsequence of lines (a plain DP), the minimality oracle. */
function lcs(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0)
  for (const x of a) {
    let diag = 0
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!
      row[j] = x === b[j - 1] ? diag + 1 : Math.max(row[j]!, row[j - 1]!)
      diag = up
    }
  }
  return row[b.length]!
}

describe('diffLines', () => {
  it('gives no hunks for equal texts', () => {
    expect(diffLines('a\nb\n', 'a\nb\n')).toEqual({ hunks: [], added: 0, removed: 0 })
  })

  it('renders a change as a unified diff with 3 lines of context', () => {
    const old = 'l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\n'
    const now = 'l1\nl2\nl3\nl4\nL5\nl6\nl7\nl8\n'
    expect(formatUnifiedDiff(diffLines(old, now), { from: 'v1', to: 'v2' })).toBe(
      [
        '--- v1',
        '+++ v2',
        '@@ -2,7 +2,7 @@',
        ' l2',
        ' l3',
        ' l4',
        '-l5',
        '+L5',
        ' l6',
        ' l7',
        ' l8',
        ''
      ].join('\n')
    )
  })

  it('splits distant changes into two hunks and joins close ones', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`)
    const far = [...lines]
    far[1] = 'changed 2'
    far[25] = 'changed 26'
    expect(diffLines(lines.join('\n'), far.join('\n')).hunks).toHaveLength(2)
    const near = [...lines]
    near[1] = 'changed 2'
    near[7] = 'changed 8'
    expect(diffLines(lines.join('\n'), near.join('\n')).hunks).toHaveLength(1)
  })

  it('counts a missing final line break as a change and marks it', () => {
    const diff = diffLines('a\nb\n', 'a\nb')
    expect(diff).toMatchObject({ added: 1, removed: 1 })
    expect(formatUnifiedDiff(diff, { from: 'x', to: 'y' })).toContain(
      '+b\n\\ No newline at end of file'
    )
  })

  it('handles empty texts on either side with diff -u line numbers', () => {
    expect(formatUnifiedDiff(diffLines('', 'a\nb\n'), { from: 'x', to: 'y' })).toContain(
      '@@ -0,0 +1,2 @@\n+a\n+b\n'
    )
    expect(formatUnifiedDiff(diffLines('a\n', ''), { from: 'x', to: 'y' })).toContain(
      '@@ -1,1 +0,0 @@\n-a\n'
    )
  })

  it('is minimal and patches back exactly, on random texts (catches a wrong backtrack)', () => {
    let seed = 7
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let round = 0; round < 300; round++) {
      const make = (): string[] => Array.from({ length: rnd(25) }, () => `w${rnd(6)}\n`)
      const a = make()
      const b = make()
      const diff = diffLines(a.join(''), b.join(''), { context: rnd(4) })
      expect(applyDiff(a.join(''), diff)).toBe(b.join(''))
      const common = lcs(a, b)
      expect(diff.removed).toBe(a.length - common)
      expect(diff.added).toBe(b.length - common)
    }
  })

  it('stays correct (if not minimal) past the edit-distance cap', () => {
    const a = Array.from({ length: 2500 }, (_, i) => `a${i}\n`).join('')
    const b = Array.from({ length: 2500 }, (_, i) => `b${i}\n`).join('')
    const diff = diffLines(a, b)
    expect(diff).toMatchObject({ added: 2500, removed: 2500 })
    expect(applyDiff(a, diff)).toBe(b)
    const unterminated = diffLines(`${a}end`, `${b}fin`)
    expect(applyDiff(`${a}end`, unterminated)).toBe(`${b}fin`)
  })
})
