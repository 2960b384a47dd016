/**
 * @module Errors in OpenAI's envelope `{error: {message, type, param, code}}`, with one table that
 * maps each code to its HTTP status, shared by the server, the CLI and (later) IPC.
 */

export const ERROR_CODES = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  forbidden_host: { status: 403, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  request_timeout: { status: 408, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  uri_too_long: { status: 414, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  /** A name already taken, or a save based on an older version. */
  conflict: { status: 409, type: 'invalid_request_error' },
  no_route: { status: 422, type: 'invalid_request_error' },
  /**
   * An upstream refused the request (a 4xx other than 429): the client gets the upstream's own
   * status, code and param (AppError options), never a retryable 5xx.
   */
  upstream_rejected: { status: 400, type: 'invalid_request_error' },
  hook_aborted: { status: 422, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  headers_too_large: { status: 431, type: 'invalid_request_error' },
  /** The client went away; only seen in traces and metrics (nginx's 499). */
  client_closed: { status: 499, type: 'client_error' },
  internal_error: { status: 500, type: 'server_error' },
  upstream_error: { status: 502, type: 'upstream_error' },
  model_not_ready: { status: 503, type: 'server_error' },
  /** The server is stopping: new requests, and requests still running when the grace ends. */
  shutdown: { status: 503, type: 'server_error' },
  upstream_timeout: { status: 504, type: 'timeout_error' },
  hop_limit_exceeded: { status: 508, type: 'server_error' }
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string }
}

export function errorBody(
  code: ErrorCode,
  message: string,
  param: string | null = null
): OpenAIErrorBody {
  return { error: { message, type: ERROR_CODES[code].type, param, code } }
}
