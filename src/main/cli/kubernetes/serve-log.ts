/**
 * @module What `llmnet serve` says while it runs: lines for people on the terminal, or with
 * `--log-format json` one JSON object per line on stdout (time, level, event, msg and the
 * event's fields), which is what a pod's log collector reads.
 */
import type { CliIO } from '../io'

export type LogFormat = 'text' | 'json'
export type LogLevel = 'info' | 'warn' | 'error'

export type ServeLog = (
  level: LogLevel,
  event: string,
  msg: string,
  fields?: Record<string, unknown>
) => void

/**
 * A logger for serve events. Text: `info` lines go to stdout as they always did, warnings and
 * errors to stderr with the `llmnet:` prefix. JSON: everything to stdout, one object a line.
 */
export function createServeLog(format: LogFormat, io: CliIO): ServeLog {
  if (format === 'json')
    return (level, event, msg, fields = {}) => {
      io.stdout.write(
        `${JSON.stringify({ time: new Date().toISOString(), level, event, msg, ...fields })}\n`
      )
    }
  return (level, _event, msg) => {
    if (level === 'info') io.stdout.write(`${msg}\n`)
    else io.stderr.write(`llmnet: ${msg}\n`)
  }
}

/** `--log-format` checked: `text` or `json`, else undefined after printing why. */
export function parseLogFormat(value: string | undefined, io: CliIO): LogFormat | undefined {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text'
  io.stderr.write(`llmnet: --log-format must be "text" or "json", got "${value}"\n`)
  return undefined
}
