import { InvalidArgumentError, Option } from 'commander'
import { DEFAULT_MAX_FILE_BYTES } from '../core/config/load-composition'

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

/** `8MiB`, `200MB`, `512k`, `1048576`: a size in bytes (K, M and G count in 1024s). */
export function parseByteSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$/i.exec(value)
  const bytes = m ? Math.floor(Number(m[1]) * (UNITS[m[2]!.toLowerCase()] ?? 1)) : NaN
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new InvalidArgumentError('It must be a size such as 8MiB, 512KiB or a number of bytes.')
  }
  return bytes
}

/** `--max-file-size`, shared by `run` and `validate`. */
export function maxFileSizeOption(): Option {
  return new Option(
    '--max-file-size <size>',
    'refuse composition files larger than this, unread (e.g. 32MiB)'
  )
    .default(DEFAULT_MAX_FILE_BYTES, '8MiB')
    .argParser(parseByteSize)
}
