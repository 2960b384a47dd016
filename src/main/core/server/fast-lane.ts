/**
 * @module The server's fast lane: `POST /v1/chat/completions` taken straight from node:http, ahead
 * of Fastify's router, when the request is an ordinary one (no `Origin`, a JSON content type and a
 * `Content-Length`). Fastify's per-request objects and hooks cost a request more CPU than the
 * rest of the route (docs/performance.md). Anything else, and every other route, goes to Fastify.
 *
 * The lane does what Fastify's route would, in the same order and with the same answers: the
 * request gate (draining, Host, key, per-app access), the body limit, Fastify's own JSON parsing
 * (`secure-json-parse`, `__proto__` and `constructor` keys removed) and error objects, then the
 * chat route's own handler, with every error answered by the app's one error answer.
 */
import {
  createServer,
  type IncomingMessage,
  type ServerOptions as HttpOptions,
  type ServerResponse
} from 'node:http'
import { errorCodes, type FastifyServerFactory } from 'fastify'
import { parse as parseJson } from 'secure-json-parse'
import type { AppError } from '../errors'
import { setRequestApp } from './app-access'
import { type InFlight, shuttingDown } from './in-flight'
import type { ChatHandler } from './routes/chat-completions'

/** How the app answers an error (one function for Fastify's error handler and this lane). */
export interface ErrorAnswer {
  status: number
  headers: Record<string, string | number>
  body: string
}

export interface FastLaneDeps {
  bodyLimitBytes: number
  /** While it drains, a request is answered 503 with `Connection: close`, as the Fastify hook does. */
  inflight: Pick<InFlight, 'draining'>
  /**
   * The gate's checks past CORS (see app.ts): throws an AppError; undefined when nothing more is
   * to decide, or the promise of the per-app check.
   */
  admit: (req: IncomingMessage) => Promise<{ app?: string } | AppError> | undefined
  chat: ChatHandler
  /** The error answer, counted in the metrics unless the engine traced it. */
  answer: (err: unknown) => ErrorAnswer
}

const PATH = '/v1/chat/completions'
const PARSE_OPTIONS = { protoAction: 'remove', constructorAction: 'remove' } as const
const NO_HEADERS = (): undefined => undefined

/** The content types the lane takes; anything else (Fastify answers 415 or parses it) goes on. */
function plainJson(type: string | undefined): boolean {
  return (
    type === 'application/json' ||
    type === 'application/json; charset=utf-8' ||
    type === 'application/json;charset=utf-8'
  )
}

/** Whether a request is one the lane takes: decided on its head alone, before any body byte. */
function takes(req: IncomingMessage): boolean {
  const h = req.headers
  return (
    req.url === PATH &&
    req.method === 'POST' &&
    h.origin === undefined &&
    h['content-length'] !== undefined &&
    h['transfer-encoding'] === undefined &&
    plainJson(h['content-type'])
  )
}

/** Writes an error answer, unless an answer has begun (then the connection ends). */
function sendError(res: ServerResponse, e: ErrorAnswer): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(e.status, e.headers)
  res.end(e.body)
}

/**
 * The lane: returns false for a request it leaves to Fastify, true when it answers it. What it
 * makes per request is the body reader (with its two listeners) and the chunks it collects.
 */
export function fastLane(
  deps: FastLaneDeps
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const fail: Fail = (res, err, close) => {
    const e = deps.answer(err)
    if (close) e.headers.connection = 'close'
    sendError(res, e)
  }
  return (req, res) => {
    if (!takes(req)) return false
    if (deps.inflight.draining) {
      fail(res, shuttingDown(), true)
      return true
    }
    let pending: ReturnType<FastLaneDeps['admit']>
    try {
      pending = deps.admit(req)
    } catch (err) {
      fail(res, err)
      return true
    }
    if (!pending) {
      new BodyReader(deps, req, res, fail).start()
      return true
    }
    pending.then(
      (result) => {
        if (result instanceof Error) return fail(res, result)
        if (result.app) setRequestApp(req, result.app)
        new BodyReader(deps, req, res, fail).start()
      },
      (err: unknown) => fail(res, err)
    )
    return true
  }
}

/**
 * Answers an error; `close` ends the connection after it, as Fastify does when a body could not
 * be read or parsed ("the client may send more data") and while the server drains.
 */
type Fail = (res: ServerResponse, err: unknown, close?: boolean) => void

/** Reads and parses one request's body as Fastify's default JSON parser does, then answers. */
class BodyReader {
  private readonly chunks: Buffer[] = []
  private received = 0
  private readonly expected: number

  constructor(
    private readonly deps: FastLaneDeps,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly fail: Fail
  ) {
    this.expected = Number(req.headers['content-length'])
  }

  start(): void {
    if (this.expected > this.deps.bodyLimitBytes) {
      this.fail(this.res, new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), true)
      return
    }
    const req = this.req
    req.on('data', this.onData)
    req.on('end', this.onEnd)
    req.on('error', this.onEnd)
  }

  private stop(): void {
    this.req.removeListener('data', this.onData)
    this.req.removeListener('end', this.onEnd)
    this.req.removeListener('error', this.onEnd)
  }

  private readonly onData = (chunk: Buffer): void => {
    this.received += chunk.length
    if (this.received > this.deps.bodyLimitBytes) {
      this.stop()
      this.fail(this.res, new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), true)
      return
    }
    this.chunks.push(chunk)
  }

  private readonly onEnd = (err?: Error & { statusCode?: number }): void => {
    this.stop()
    if (err) {
      if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400
      return this.fail(this.res, err, true)
    }
    if (!Number.isNaN(this.expected) && this.received !== this.expected)
      return this.fail(this.res, new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(), true)
    if (this.received === 0)
      return this.fail(this.res, new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), true)
    const chunks = this.chunks
    const text =
      chunks.length === 1
        ? (chunks[0] as Buffer).toString('utf8')
        : Buffer.concat(chunks, this.received).toString('utf8')
    let json: unknown
    try {
      json = parseJson(text, PARSE_OPTIONS)
    } catch {
      return this.fail(this.res, new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), true)
    }
    try {
      this.deps
        .chat(this.req, this.res, json, NO_HEADERS)
        .catch((e: unknown) => this.fail(this.res, e))
    } catch (e) {
      this.fail(this.res, e)
    }
  }
}

/**
 * The server Fastify would make (its getServerInstance: the same options, and the timeouts it
 * fills in set the same way), with `lane` in front of Fastify's router.
 */
export function serverWith(
  lane: (req: IncomingMessage, res: ServerResponse) => boolean
): FastifyServerFactory {
  return (handler, opts) => {
    const o = opts as unknown as FactoryOptions
    const server = createServer(o.http ?? {}, (req, res) => {
      if (!lane(req, res)) handler(req, res)
    })
    server.keepAliveTimeout = o.keepAliveTimeout
    server.requestTimeout = o.requestTimeout
    server.setTimeout(o.connectionTimeout)
    return server
  }
}

/** An error as the fast lane writes it: what Fastify's reply sends for the same error. */
export function errorAnswer(e: AppError): ErrorAnswer {
  const body = JSON.stringify(e.toBody())
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body)
  }
  const after = retryAfter(e)
  if (after !== undefined) headers['retry-after'] = after
  return { status: e.status, headers, body }
}

/** What Fastify passes a server factory: its options, with its defaults filled in. */
interface FactoryOptions {
  http?: HttpOptions
  keepAliveTimeout: number
  requestTimeout: number
  connectionTimeout: number
}

/** The `Retry-After` header's value (whole seconds) for an error that carries one. */
export function retryAfter(e: AppError): string | undefined {
  const ms = e.options.retryAfterMs
  return ms === undefined ? undefined : String(Math.ceil(ms / 1000))
}
