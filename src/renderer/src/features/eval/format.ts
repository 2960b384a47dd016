/** @module Display helpers of the Eval page. */

/** `87.5 %`; `—` when there is nothing to measure. */
export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)} %`
}

/** A target as people say it: `support` or `support@v3`. */
export function targetLabel(t: { pipeline: string; version?: number } | null): string {
  return t ? `${t.pipeline}${t.version ? `@v${t.version}` : ''}` : '—'
}

/** The change in accuracy between two runs, in percentage points; null when either is unknown. */
export function accuracyDelta(
  now: number | null | undefined,
  before: number | null | undefined
): number | null {
  if (now === null || now === undefined || before === null || before === undefined) return null
  return Math.round((now - before) * 1000) / 10
}
