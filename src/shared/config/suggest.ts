/** Levenshtein distance, small inputs only. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = up
    }
  }
  return prev[b.length] ?? 0
}

const normalise = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '')

/**
 * The closest known name to `input`, if it is close enough to be a likely typo: the same letters
 * up to case and `-`/`_`, or an edit distance of at most a third of the length (min 1, max 3).
 */
export function didYouMean(input: string, known: readonly string[]): string | undefined {
  const norm = normalise(input)
  const same = known.find((k) => normalise(k) === norm)
  if (same) return same
  let best: string | undefined
  let bestDist = Infinity
  const limit = Math.min(3, Math.max(1, Math.floor(input.length / 3)))
  for (const k of known) {
    const d = editDistance(norm, normalise(k))
    if (d < bestDist) {
      best = k
      bestDist = d
    }
  }
  return bestDist <= limit ? best : undefined
}
