import { describe, expect, it } from 'vitest'
import { formatBytes } from './units'

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [409_600, '409.6 kB'],
    [491_400_000, '491.4 MB'],
    [1_073_741_824, '1.1 GB'],
    [-2_500_000, '-2.5 MB'],
    [5e18, '5000.0 PB']
  ])(
    '%d bytes is %s (one unit system: decimal, as the CLI and the pages both print it)',
    (n, text) => {
      expect(formatBytes(n)).toBe(text)
    }
  )

  it.each([null, undefined, Number.NaN, Number.POSITIVE_INFINITY])(
    '%s is an unknown size: —',
    (n) => {
      expect(formatBytes(n)).toBe('—')
    }
  )
})
