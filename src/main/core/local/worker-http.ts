/**
 * @module The small HTTP layer of the llama.cpp worker's server: a capped body reader and OpenAI's
 * `{error: {...}}` envelope.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { formatBytes } from './worker-checks'

const MAX_BODY_BYTES = 16 * 1024 * 1024

/** An error answered as OpenAI's `{error: {...}}` with an HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly param?: string
  ) {
    super(message)
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY_BYTES) {
        reject(
          new HttpError(
            413,
            `the body is larger than ${formatBytes(MAX_BODY_BYTES)}`,
            'body_too_large'
          )
        )
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.once('error', reject)
  })
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text)
  })
  res.end(text)
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  code: string,
  param?: string
): void {
  sendJson(res, status, {
    error: {
      message,
      type: status >= 500 ? 'server_error' : 'invalid_request_error',
      param: param ?? null,
      code
    }
  })
}
