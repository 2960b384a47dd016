/**
 * @module Hides loaded secret values in text that leaves the process: logs, traces, error
 * messages, results shown in the app. Built once per secret set; the common case — no secrets —
 * costs one function call that returns its argument.
 */
import { AppError } from '../errors'

/** What a secret value is replaced with. */
export const REDACTED = '[redacted]'

/**
 * Values shorter than this are not redacted: replacing every `on` or `42` in a transcript would
 * shred ordinary text and still not hide anything worth hiding. A secret this short is not a
 * secret; callers that care should reject it when it is configured.
 */
export const MIN_REDACTED_LENGTH = 4

/** Replaces secret values in a string. */
export type Redactor = (text: string) => string

/** The redactor for an empty secret set; {@link redactDeep} recognises it and copies nothing. */
const identity: Redactor = (text) => text

/**
 * A function replacing every occurrence of any of `values` with `[redacted]`.
 *
 * Besides each value as-is, its JSON-string-escaped form (a value with a quote, backslash or
 * newline, as it appears inside serialised JSON) and its `encodeURIComponent` form (as it appears
 * in a query string) are replaced too. Longer values are matched first, so a secret that contains
 * another secret is hidden whole. Values shorter than {@link MIN_REDACTED_LENGTH} characters are
 * ignored (see there). With nothing to redact the identity function is returned.
 */
export function createRedactor(values: Iterable<string>): Redactor {
  const forms = new Set<string>()
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_REDACTED_LENGTH) continue
    forms.add(value)
    const json = JSON.stringify(value).slice(1, -1)
    if (json !== value) forms.add(json)
    const uri = safeEncodeUri(value)
    if (uri !== undefined && uri !== value) forms.add(uri)
  }
  if (forms.size === 0) return identity
  const ordered = [...forms].sort((a, b) => b.length - a.length)
  const pattern = new RegExp(ordered.map(escapeRegExp).join('|'), 'g')
  return (text) => text.replace(pattern, REDACTED)
}

/**
 * Applies `redact` to every string inside a JSON-like value (plain objects and arrays, to any
 * depth; object keys are left alone). Returns the input itself when nothing changed, and the
 * input untouched without walking it when `redact` came from {@link createRedactor} with no
 * secrets. Other objects (class instances, Maps, Dates, Buffers) are returned as they are;
 * cycles are preserved rather than followed forever.
 */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (redact === identity) return value
  return walk(value, redact, new Map()) as T
}

function walk(value: unknown, redact: Redactor, seen: Map<object, unknown>): unknown {
  if (typeof value === 'string') return redact(value)
  if (value === null || typeof value !== 'object') return value
  const done = seen.get(value)
  if (done !== undefined) return done
  if (Array.isArray(value)) {
    seen.set(value, value)
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      const next = walk(item, redact, seen)
      if (next !== item && copy === undefined) {
        copy = value.slice()
        seen.set(value, copy)
      }
      if (copy) copy[i] = next
    }
    return copy ?? value
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  const record = value as Record<string, unknown>
  seen.set(value, value)
  let copy: Record<string, unknown> | undefined
  for (const key of Object.keys(record)) {
    const item = record[key]
    const next = walk(item, redact, seen)
    if (next !== item && copy === undefined) {
      copy = { ...record }
      seen.set(value, copy)
    }
    if (copy) copy[key] = next
  }
  return copy ?? value
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** `encodeURIComponent` throws on lone surrogates; such a value simply has no URI form. */
function safeEncodeUri(value: string): string | undefined {
  try {
    return encodeURIComponent(value)
  } catch {
    return undefined
  }
}

/**
 * Redacts a text that arrives in pieces (a streamed answer): the last `longest - 1` characters
 * are held back until the next piece, so a secret split across two pieces is still caught.
 */
export class StreamRedactor {
  private tail = ''
  private readonly hold: number

  constructor(
    private readonly redact: Redactor,
    values: Iterable<string>
  ) {
    let longest = 0
    for (const v of values) longest = Math.max(longest, v.length * 3) // URI-encoded forms are longer
    this.hold = Math.max(0, longest - 1)
  }

  /** The part of the text so far that is safe to send. */
  push(piece: string): string {
    const text = this.redact(this.tail + piece)
    const keep = Math.min(text.length, this.hold)
    this.tail = text.slice(text.length - keep)
    return text.slice(0, text.length - keep)
  }

  /** What is left at the end of the stream. */
  flush(): string {
    const rest = this.redact(this.tail)
    this.tail = ''
    return rest
  }
}

/** Whether `redact` hides anything (the identity redactor of an empty secret set does not). */
export function redacts(redact: Redactor): boolean {
  return redact !== identity
}

/**
 * An error with every string it carries to the client redacted: its message, `param`, and the
 * upstream's `code` and `type` (an upstream 4xx body is echoed field by field). The original is
 * dropped as `cause` when anything changed, so a log printing causes cannot show it either.
 */
export function redactError(err: AppError, redact: Redactor): AppError {
  if (!redacts(redact)) return err
  const message = redact(err.message)
  const options = redactDeep({ ...err.options, cause: undefined }, redact)
  const param = options.param
  const up = options.upstream
  if (
    message === err.message &&
    param === err.options.param &&
    up?.code === err.options.upstream?.code &&
    up?.type === err.options.upstream?.type
  )
    return err
  return new AppError(err.code, message, { ...options, cause: undefined })
}
