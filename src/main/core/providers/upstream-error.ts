/**
 * @module An upstream's HTTP error as the client should see it, the one mapping every provider
 * uses ({@link upstreamStatusError}). A refusal (a 4xx other than 401, 403 and 429) keeps the
 * upstream's status, `code`, `param` and message, never a 5xx that SDKs would retry. A 401 or 403
 * means the upstream refused llmnet's own credentials for it (the node's `api-key`): the client's
 * key to llmnet is not at fault, so it is a 502, never an authentication error that would send a
 * coding agent to log in again. A 429 is a rate limit, with the upstream's `Retry-After`. Servers
 * word a context overflow differently (OpenAI's `context_length_exceeded`, llama-server's
 * `exceed_context_size_error`, vLLM's "maximum context length"); all become
 * `context_length_exceeded` with `param: "messages"`.
 */
import { AppError } from '../errors'

interface UpstreamErrorFields {
  message?: unknown
  type?: unknown
  code?: unknown
  param?: unknown
}

const CONTEXT_OVERFLOW =
  /context[_ ]length|maximum context|context (size|window)|exceeds? the (available )?context|too many tokens|prompt is too long/i

/** The `error` object of an upstream's answer, or its top level (vLLM), or the plain text. */
function fieldsOf(text: string): UpstreamErrorFields {
  try {
    const parsed = JSON.parse(text) as { error?: unknown } & UpstreamErrorFields
    if (typeof parsed.error === 'string') return { message: parsed.error }
    if (parsed.error && typeof parsed.error === 'object') return parsed.error as UpstreamErrorFields
    if (typeof parsed.message === 'string') return parsed
  } catch {
    // not JSON: the text is the message
  }
  return { message: text.slice(0, 500) }
}

/** Whether an HTTP status is a refusal to pass on as is (4xx; 429 is a rate limit). */
export function isRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 429
}

/** The message an upstream gave in its error body (or the start of the body). */
export function upstreamMessage(text: string): string {
  const m = fieldsOf(text).message
  return typeof m === 'string' ? m : text.slice(0, 500)
}

/**
 * The refusal as an AppError carrying the upstream's status, code, type and param; `who` names
 * the upstream in the message (the engine adds the node and model: engine/node-failure.ts).
 */
export function upstreamRefusal(
  status: number,
  text: string,
  who: string,
  cause?: unknown
): AppError {
  const f = fieldsOf(text)
  const message = typeof f.message === 'string' ? f.message : text.slice(0, 500)
  const overflow =
    f.code === 'context_length_exceeded' ||
    f.type === 'exceed_context_size_error' ||
    (status === 400 && CONTEXT_OVERFLOW.test(message))
  const code = overflow
    ? 'context_length_exceeded'
    : typeof f.code === 'string' && f.code
      ? f.code
      : 'upstream_rejected'
  const type = typeof f.type === 'string' && f.type && !overflow ? f.type : 'invalid_request_error'
  const param = typeof f.param === 'string' ? f.param : overflow ? 'messages' : null
  return new AppError('upstream_rejected', `${who} answered ${status}: ${message}`, {
    param,
    upstream: { status, code, type },
    cause
  })
}

/** The seconds of a `Retry-After` header as milliseconds; undefined when absent or not a number. */
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const seconds = Number(Array.isArray(header) ? header[0] : header)
  return header !== undefined && Number.isFinite(seconds) && seconds >= 0
    ? seconds * 1000
    : undefined
}

/**
 * An upstream's HTTP error status (4xx or 5xx) as an AppError; `who` names the upstream in the
 * message, `retryAfter` is its `Retry-After` header, `cause` the client library's own error when
 * one made it (Ollama's). The one mapping for every provider.
 */
export function upstreamStatusError(
  status: number,
  text: string,
  who: string,
  retryAfter?: string | string[],
  cause?: unknown
): AppError {
  if (status === 401 || status === 403)
    return new AppError(
      'upstream_error',
      `${who} refused llmnet's credentials for it (${status}): ${upstreamMessage(text)}; check the model's api-key`,
      { cause }
    )
  if (status === 429)
    return new AppError('rate_limited', `${who} is rate limiting (429): ${upstreamMessage(text)}`, {
      retryAfterMs: retryAfterMs(retryAfter),
      cause
    })
  if (isRefusal(status)) return upstreamRefusal(status, text, who, cause)
  return new AppError('upstream_error', `${who} answered ${status}: ${upstreamMessage(text)}`, {
    cause
  })
}
