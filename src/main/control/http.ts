/**
 * @module The control API over HTTP: an encapsulated Fastify plugin, registered with
 * `app.register(controlApiPlugin, { prefix: '/api', ... })`. `POST /api/<route>` answers the
 * envelope; `GET /api/events` streams every contract event as SSE. Its token check, error
 * handler and body limit are its own and do not touch `/v1`.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { type ControlError, type Envelope, statusOf } from '../../shared/contract/errors'
import type { ContractHandlers, HandlerContext } from '../../shared/contract/handlers'
import { isEventName } from '../../shared/contract/events'
import { formatBytes } from '../core/config/load-composition'
import { AppError } from '../core/errors'
import { type DispatchOptions, dispatch, toControlError } from './dispatch'
import type { ControlEventSource } from './events'

export interface ControlApiOptions extends DispatchOptions {
  handlers: ContractHandlers
  /** The server's access token, sent as `Authorization: Bearer <token>`. */
  token: string
  /**
   * Browser sessions the UI got by trading the token (`llmnet serve --ui`): a request carrying
   * one of their cookies and that session's key (`x-llmnet-session`; on the event stream the
   * `session` query parameter) needs no bearer token. The cookie alone is refused: cookies are
   * not port-scoped, so any other server on 127.0.0.1 the browser visits receives it.
   */
  sessions?: { authorize(headers: FastifyRequest['headers'], queryKey?: string): boolean }
  events: ControlEventSource
  /** Default 4 MiB: a pipeline's text is at most 1 MB, JSON-escaped. */
  bodyLimitBytes?: number
  /** SSE comment lines that keep idle proxies from closing the stream. Default 15 s. */
  heartbeatMs?: number
  /** A client reading events slower than they come is dropped past this backlog. Default 4 MiB. */
  maxEventBacklogBytes?: number
}

const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024

/** The control API as a Fastify plugin (see the module comment for how to mount it). */
export const controlApiPlugin: FastifyPluginAsync<ControlApiOptions> = async (app, opts) => {
  if (opts.token.length < 16)
    throw new Error('the control API token must be at least 16 characters')
  const expected = digest(opts.token)

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    const error = httpError(err, req.url, opts)
    reply.code(statusOf(error.code)).send({ ok: false, error } satisfies Envelope<never>)
  })
  app.setNotFoundHandler((req, reply) => {
    const error: ControlError = {
      code: 'not_found',
      message: `no route for ${req.method} ${req.url}`
    }
    reply.code(404).send({ ok: false, error })
  })
  // Every /api request carries the token, events included: these routes can save shell functions.
  app.addHook('onRequest', async (req) => {
    if (
      req.headers.authorization === undefined &&
      opts.sessions?.authorize(req.headers, eventsKey(req))
    )
      return
    if (!tokenMatches(req.headers.authorization, expected)) {
      throw new AppError(
        'invalid_api_key',
        req.headers.authorization === undefined && req.headers.cookie !== undefined
          ? 'a browser session needs its x-llmnet-session key, or it expired: open the address with ?token= again'
          : 'missing or wrong bearer token for the control API'
      )
    }
  })

  app.post<{ Params: { route: string } }>(
    '/:route',
    { bodyLimit: opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT },
    async (req, reply) => {
      const envelope = await dispatch(
        opts.handlers,
        req.params.route,
        req.body,
        context(reply),
        opts
      )
      reply.code(envelope.ok ? 200 : statusOf(envelope.error.code))
      return envelope
    }
  )

  app.get<{ Querystring: { events?: string } }>('/events', (req, reply) => {
    const wanted = req.query.events?.split(',').filter(Boolean)
    const unknown = wanted?.find((name) => !isEventName(name))
    if (unknown) throw new AppError('invalid_request', `unknown event ${JSON.stringify(unknown)}`)
    streamEvents(req, reply, opts, wanted ? new Set(wanted) : null)
  })
}

function streamEvents(
  req: FastifyRequest,
  reply: FastifyReply,
  opts: ControlApiOptions,
  wanted: Set<string> | null
): void {
  reply.hijack()
  const res = reply.raw
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-store',
    'x-accel-buffering': 'no'
  })
  // An opening comment: the client knows the stream is live before the first event.
  res.write(': connected\n\n')
  const maxBacklog = opts.maxEventBacklogBytes ?? 4 * 1024 * 1024
  const unsubscribe = opts.events.subscribe((event, payload) => {
    if (wanted && !wanted.has(event)) return
    if (res.writableLength > maxBacklog) {
      res.destroy()
      return
    }
    res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`)
  })
  const heartbeat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs ?? 15_000)
  heartbeat.unref()
  req.raw.once('close', () => {
    clearInterval(heartbeat)
    unsubscribe()
  })
}

/** The session key on `GET /api/events`, where EventSource cannot send a header. */
function eventsKey(req: FastifyRequest): string | undefined {
  if (req.method !== 'GET') return undefined
  const key = (req.query as { session?: unknown } | undefined)?.session
  return typeof key === 'string' ? key : undefined
}

function context(reply: FastifyReply): HandlerContext {
  const controller = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort()
  })
  return { transport: 'http', signal: controller.signal }
}

/** Fastify's own failures (body too large, bad JSON) and ours, as the contract's error. */
function httpError(
  err: FastifyError | AppError,
  url: string,
  opts: ControlApiOptions
): ControlError {
  if (err instanceof AppError) return toControlError(err, url, opts)
  const status = err.statusCode ?? 500
  if (status === 413) {
    const limit = formatBytes(opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT)
    return { code: 'request_too_large', message: `the request body is over the ${limit} limit` }
  }
  if (status === 415) return { code: 'unsupported_media_type', message: err.message }
  if (status >= 400 && status < 500) return { code: 'invalid_request', message: err.message }
  return toControlError(err, url, opts)
}

// Comparing digests keeps the check constant-time and hides the token's length.
function tokenMatches(header: string | undefined, expected: Buffer): boolean {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
  return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}
