import { describe, expect, it } from 'vitest'
import { diffLines, formatUnifiedDiff, type TextDiff } from './text-diff'

/** Rebuilds the new text from the old one and the hunks, as `patch` would. */
function applyDiff(oldText: string, diff: TextDiff): string {
  const old = oldText === '' ? [] : oldText.split(/(?<=\n)/)
  const out: string[] = []
  let at = 0
  for (const h of diff.hunks) {
    const start = h.oldLines === 0 ? h.oldStart : h.oldStart - 1
    out.push(...old.slice(at, start))
    at = start
    for (const l of h.lines) {
      const text = l.noNewline ? l.text : `${l.text}\n`
      if (l.op !== '+') {
        expect(old[at], `context/removed line ${at + 1} must match the old text`).toBe(text)
        at++
      }
      if (l.op !== '-') out.push(text)
    }
  }
  out.push(...old.slice(at))
  return out.join('')
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
    expect(diffLines('', 'a\nb\n').hunks[0]).toMatchObject({
      oldStart: 0,
      oldLines: 0,
      newStart: 1,
      newLines: 2
    })
    expect(diffLines('a\n', '').hunks[0]).toMatchObject({
      oldStart: 1,
      oldLines: 1,
      newStart: 0,
      newLines: 0
    })
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
    expect(applyDiff(a, diff)).toBe(b)
  })
})
