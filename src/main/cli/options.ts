/**
 * @module What the commands' registrations share: option parsers that turn bad values into
 * usage errors, the repeatable-flag collector, the `--dotenv`/`--env-file` pair, and the
 * `setExit` callback through which an action hands back its exit code.
 */
import { InvalidArgumentError } from 'commander'

/** Receives a command's exit code (see exit-codes.ts); commands never call process.exit. */
export type SetExit = (code: number) => void

/** A port: a whole number 0-65535 (0 picks a free one). */
export function parsePort(value: string): string {
  const n = Number(value)
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('It must be a port number, 0-65535.')
  }
  return value
}

/** A count such as --max-concurrent: a whole number of at least 1 (NaN would lift the limit). */
export function parsePositiveInt(value: string): string {
  const n = Number(value)
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('It must be a whole number of at least 1.')
  }
  return value
}

/** A duration such as --shutdown-grace: seconds, 0 or more. */
export function parseSeconds(value: string): string {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('It must be a number of seconds, 0 or more.')
  }
  return value
}

/** A repeatable flag's values, in order. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/**
 * `--dotenv FILE`, and `--env-file FILE` as its alias. Node 20 reads `--env-file` itself wherever
 * it appears on the command line and exits 9 before llmnet starts when the file is missing
 * (nodejs/node#54232), so `--dotenv` is the name that works on every Node.
 */
export interface DotenvFlag {
  dotenv?: string
  envFile?: string
}

export function withDotenv<T extends DotenvFlag>({ dotenv, ...flags }: T): Omit<T, 'dotenv'> {
  return { ...flags, envFile: dotenv ?? flags.envFile }
}
