/**
 * @module Answers for requests node:http refuses before Fastify sees them (headers too large,
 * a request that does not arrive in time, a malformed request line), in OpenAI's envelope.
 */
import { type ServerResponse, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { AppError } from '../errors'
import type { Metrics } from '../metrics'

function clientError(code: string | undefined): AppError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError('request_timeout', 'the request did not arrive in time')
    case 'HPE_HEADER_OVERFLOW':
      return new AppError('headers_too_large', 'the request headers are too large (16 KiB at most)')
    default:
      return new AppError('invalid_request', `malformed HTTP request (${code ?? 'unknown error'})`)
  }
}

/**
 * The server's `clientError` listener: writes the error as a whole HTTP response on the raw
 * socket, then closes it (the connection is in an unknown state).
 */
export function answerClientError(
  err: Error & { code?: string },
  socket: Socket,
  metrics: Metrics
): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const e = clientError(err.code)
  metrics.rejected(e.code)
  // node:http's own handler checks the same: bytes of an answer already sent cannot be followed
  // by a second status line.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify(e.toBody())
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nconnection: close\r\n` +
        `content-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    )
  }
  socket.destroy(err)
}
