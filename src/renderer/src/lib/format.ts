/** @module Small display formatters shared by the pages. */

/** `491.4 MB`, `1.1 GB`; `—` for unknown (the one copy, in src/shared). */
export { formatBytes } from '../../../shared/units'

/** `850 ms`, `2.4 s`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}

/** A local date and time. */
export function formatTime(epochMs: number | null | undefined): string {
  return epochMs ? new Date(epochMs).toLocaleString() : '—'
}
