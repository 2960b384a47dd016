/**
 * @module An upstream's refusal (HTTP 4xx other than 429) as the client should see it: the
 * upstream's status, `code`, `param` and message, never a 5xx that SDKs would retry. Servers
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
export function upstreamRefusal(status: number, text: string, who: string): AppError {
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
    upstream: { status, code, type }
  })
}
