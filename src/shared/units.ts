/**
 * @module Sizes for people, the one copy used by the CLI, the runtime's messages and the
 * renderer: decimal SI units (1 kB = 1,000 bytes), as Hugging Face, Ollama and disk tools show
 * sizes.
 */

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const

/** `512 B`, `491.4 MB`, `1.1 GB`; `—` for an unknown size (null, undefined, NaN or infinite). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—'
  let v = bytes
  let i = 0
  while (Math.abs(v) >= 1000 && i < BYTE_UNITS.length - 1) {
    v /= 1000
    i++
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${BYTE_UNITS[i]}`
}
