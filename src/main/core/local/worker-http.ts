/**
 * @module The small HTTP layer of the llama.cpp worker's server: a capped body reader and OpenAI's
 * `{error: {...}}` envelope.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { z } from 'zod'
import { formatBytes } from '../../../shared/units'

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

/** The request's JSON body checked against `schema`; a 400 naming the first bad field. */
export async function readJsonBody<S extends z.ZodType>(
  schema: S,
  req: IncomingMessage
): Promise<z.infer<S>> {
  let json: unknown
  try {
    json = JSON.parse(await readBody(req))
  } catch (err) {
    if (err instanceof HttpError) throw err
    throw new HttpError(400, 'the body is not valid JSON', 'invalid_json')
  }
  const parsed = schema.safeParse(json)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const param = issue?.path.join('.')
  throw new HttpError(
    400,
    `invalid request: ${param ? `${param}: ` : ''}${issue?.message ?? 'invalid'}`,
    'invalid_request',
    param
  )
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

/** How often, at most, streamed text is written (ms): see {@link TextCoalescer}. */
export const STREAM_FLUSH_MS = 10

/**
 * Streams text in as few writes as keep it live: a piece is written at once when the last write
 * was at least `intervalMs` ago (so a slow model streams every token without delay), otherwise it
 * waits for the rest of that interval with the pieces that follow. A fast model's tokens then share
 * a write: one SSE event, one socket write and one wake-up of the reader per interval instead of
 * per token, which on a small machine took the CPU from llama.cpp's threads.
 */
export class TextCoalescer {
  private pending = ''
  private timer: NodeJS.Timeout | undefined
  private lastWrite = -Infinity

  constructor(
    private readonly write: (text: string) => void,
    private readonly intervalMs = STREAM_FLUSH_MS
  ) {}

  push(text: string): void {
    if (!text) return
    this.pending += text
    if (this.timer) return
    const wait = this.lastWrite + this.intervalMs - performance.now()
    if (wait <= 0) this.flush()
    else this.timer = setTimeout(() => this.flush(), wait)
  }

  /** Writes what is pending now (before the end of the stream). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (!this.pending) return
    const text = this.pending
    this.pending = ''
    this.lastWrite = performance.now()
    this.write(text)
  }
}
