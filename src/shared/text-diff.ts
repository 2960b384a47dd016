/**
 * @module A line diff (Myers' O(ND) algorithm) with unified-diff-like hunks, for comparing two
 * versions of a pipeline. Pure: no I/O.
 */

/** One line of a hunk: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  op: ' ' | '-' | '+'
  /** The line without its line break. */
  text: string
  /** The line is the last of its text and has no line break. */
  noNewline?: boolean
}

/** A run of changes with context; starts are 1-based line numbers, as in `diff -u`. */
export interface DiffHunk {
  oldStart: number
  oldLines: number
  newStart: number
  newLines: number
  lines: DiffLine[]
}

/** The difference between two texts. */
export interface TextDiff {
  hunks: DiffHunk[]
  added: number
  removed: number
}

/** Above this many differences, the diff gives up on minimality: old out, new in. */
const MAX_EDIT_DISTANCE = 2000

interface Edit {
  op: ' ' | '-' | '+'
  line: string
  /** Lines of old and new before this edit. */
  a: number
  b: number
}

/** Diffs `oldText` against `newText` line by line, with `context` lines around changes (default 3). */
export function diffLines(
  oldText: string,
  newText: string,
  opts: { context?: number } = {}
): TextDiff {
  const context = opts.context ?? 3
  const a = splitLines(oldText)
  const b = splitLines(newText)
  const ops = editScript(a, b)
  const edits: Edit[] = []
  let ai = 0
  let bi = 0
  let added = 0
  let removed = 0
  for (const op of ops) {
    const line = op === '+' ? b[bi] : a[ai]
    edits.push({ op, line: line ?? '', a: ai, b: bi })
    if (op !== '+') ai++
    if (op !== '-') bi++
    if (op === '+') added++
    if (op === '-') removed++
  }
  return { hunks: toHunks(edits, context), added, removed }
}

/** Renders a diff as unified-diff text under `--- from` / `+++ to` headers. */
export function formatUnifiedDiff(diff: TextDiff, labels: { from: string; to: string }): string {
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`]
  for (const h of diff.hunks) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`)
    for (const l of h.lines) {
      out.push(`${l.op}${l.text}`)
      if (l.noNewline) out.push('\\ No newline at end of file')
    }
  }
  return `${out.join('\n')}\n`
}

function range(start: number, lines: number): string {
  return lines === 1 ? String(start) : `${start},${lines}`
}

/** Lines with their `\n` kept, so a missing final line break is a difference. */
function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split('\n').map((l) => `${l}\n`)
  if (text.endsWith('\n')) lines.pop()
  else lines[lines.length - 1] = lines[lines.length - 1]!.slice(0, -1)
  return lines
}

/** The shortest edit script from `a` to `b` (common prefix and suffix trimmed first). */
function editScript(a: string[], b: string[]): Edit['op'][] {
  let pre = 0
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++
  let suf = 0
  while (
    suf < a.length - pre &&
    suf < b.length - pre &&
    a[a.length - 1 - suf] === b[b.length - 1 - suf]
  )
    suf++
  const middle = myers(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf))
  return [...Array<' '>(pre).fill(' '), ...middle, ...Array<' '>(suf).fill(' ')]
}

function myers(a: string[], b: string[]): Edit['op'][] {
  const n = a.length
  const m = b.length
  const max = n + m
  if (max === 0) return []
  const off = max + 1
  const v = new Int32Array(2 * max + 3)
  // trace[d] holds v over k in [-d-1, d+1] as it was before step d.
  const trace: Int32Array[] = []
  for (let d = 0; d <= max; d++) {
    if (d > MAX_EDIT_DISTANCE) return [...Array<'-'>(n).fill('-'), ...Array<'+'>(m).fill('+')]
    trace.push(v.slice(off - d - 1, off + d + 2))
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!)
          ? v[off + k + 1]!
          : v[off + k - 1]! + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[off + k] = x
      if (x >= n && y >= m) return backtrack(trace, n, m)
    }
  }
  throw new Error('unreachable: the edit script is at most n + m long')
}

function backtrack(trace: Int32Array[], n: number, m: number): Edit['op'][] {
  const ops: Edit['op'][] = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d >= 0; d--) {
    const v = trace[d]!
    const at = (k: number): number => v[k + d + 1]!
    const k = x - y
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1
    const prevX = at(prevK)
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      ops.push(' ')
      x--
      y--
    }
    if (d > 0) ops.push(x === prevX ? '+' : '-')
    x = prevX
    y = prevY
  }
  return ops.reverse()
}

/** Groups edits into hunks: changes closer than 2 × context lines share one. */
function toHunks(edits: Edit[], context: number): DiffHunk[] {
  const hunks: DiffHunk[] = []
  let i = 0
  while (i < edits.length) {
    if (edits[i]!.op === ' ') {
      i++
      continue
    }
    let lastChange = i
    let j = i
    while (j < edits.length) {
      if (edits[j]!.op !== ' ') {
        lastChange = j++
        continue
      }
      let r = j
      while (r < edits.length && edits[r]!.op === ' ') r++
      if (r === edits.length || r - j > 2 * context) break
      j = r
    }
    const start = Math.max(0, i - context)
    const end = Math.min(edits.length, lastChange + 1 + context)
    hunks.push(hunk(edits.slice(start, end)))
    i = end
  }
  return hunks
}

function hunk(edits: Edit[]): DiffHunk {
  const first = edits[0]!
  const oldLines = edits.filter((e) => e.op !== '+').length
  const newLines = edits.filter((e) => e.op !== '-').length
  return {
    oldStart: oldLines === 0 ? first.a : first.a + 1,
    oldLines,
    newStart: newLines === 0 ? first.b : first.b + 1,
    newLines,
    lines: edits.map((e) => {
      const noNewline = !e.line.endsWith('\n')
      const line: DiffLine = { op: e.op, text: noNewline ? e.line : e.line.slice(0, -1) }
      if (noNewline) line.noNewline = true
      return line
    })
  }
}
