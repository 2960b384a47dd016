/**
 * @module A line diff between two versions of a pipeline, as unified-diff hunks: jsdiff (the
 * `diff` package) does the work; this module fixes the options (3 lines of context, a cap on the
 * edit distance) and counts the lines added and removed. Pure: no I/O.
 */
import { FILE_HEADERS_ONLY, formatPatch, type StructuredPatchHunk, structuredPatch } from 'diff'

/**
 * A run of changes with context: `lines` are ` kept`, `-removed`, `+added`, or the marker
 * `\ No newline at end of file` after the line it concerns. Starts are 1-based; a side with no
 * lines gives the line before it (`diff -u` prints one less).
 */
export type DiffHunk = StructuredPatchHunk

/** The difference between two texts. */
export interface TextDiff {
  hunks: DiffHunk[]
  added: number
  removed: number
}

/** Above this many differences, the diff gives up on minimality: old out, new in. */
const MAX_EDIT_LENGTH = 1000

/** Diffs `oldText` against `newText` line by line, with `context` lines around changes (default 3). */
export function diffLines(
  oldText: string,
  newText: string,
  opts: { context?: number } = {}
): TextDiff {
  const context = opts.context ?? 3
  const patch = structuredPatch('', '', oldText, newText, undefined, undefined, {
    context,
    maxEditLength: MAX_EDIT_LENGTH
  })
  const hunks = patch ? patch.hunks : replaceAll(oldText, newText)
  let added = 0
  let removed = 0
  for (const h of hunks) {
    for (const line of h.lines) {
      if (line.startsWith('+')) added++
      else if (line.startsWith('-')) removed++
    }
  }
  return { hunks, added, removed }
}

/** Renders a diff as unified-diff text under `--- from` / `+++ to` headers. */
export function formatUnifiedDiff(diff: TextDiff, labels: { from: string; to: string }): string {
  return formatPatch(
    {
      oldFileName: labels.from,
      newFileName: labels.to,
      oldHeader: undefined,
      newHeader: undefined,
      hunks: diff.hunks
    },
    FILE_HEADERS_ONLY
  )
}

/** Past the cap: one hunk that removes every old line and adds every new one. */
function replaceAll(oldText: string, newText: string): DiffHunk[] {
  const old = marked(oldText, '-')
  const now = marked(newText, '+')
  if (old.count === 0 && now.count === 0) return []
  return [
    {
      oldStart: 1,
      oldLines: old.count,
      newStart: 1,
      newLines: now.count,
      lines: [...old.lines, ...now.lines]
    }
  ]
}

/** The text's lines behind `sign`, with the marker after a last line that has no line break. */
function marked(text: string, sign: '-' | '+'): { lines: string[]; count: number } {
  if (text === '') return { lines: [], count: 0 }
  const parts = text.split('\n')
  const complete = text.endsWith('\n')
  if (complete) parts.pop()
  const lines = parts.map((l) => `${sign}${l}`)
  const count = lines.length
  if (!complete) lines.push('\\ No newline at end of file')
  return { lines, count }
}
