/**
 * @module The HTTP app factory (Fastify). Listening is separate (listen.ts), so tests can call
 * `app.inject()` or listen on port 0. Every error leaves in OpenAI's envelope with a real status.
 */
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type onRequestHookHandler
} from 'fastify'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { ModelRuntimeStatus } from '../../../shared/models/status'
import type { OllamaHostStatus } from '../models/ollama/host'
import { errorBody } from '../../../shared/openai/error'
import type { EngineDeps } from '../engine/engine'
import { AppError } from '../errors'
import type { Metrics } from '../metrics'
import { setRequestApp } from './app-access'
import { answerClientError } from './client-error'
import { InFlight, shuttingDown } from './in-flight'
import type { PipelineRegistry } from '../pipelines/registry'
import { chatHandler, registerChatCompletions } from './routes/chat-completions'
import { errorAnswer, fastLane, retryAfter, serverWith } from './fast-lane'
import { registerCompletions } from './routes/completions'
import { registerEmbeddings } from './routes/embeddings'
import { registerMessages } from './routes/messages'
import { isOllamaPath, OLLAMA_ROOT_ANSWER, registerOllamaApi } from './routes/ollama-api'
import { registerModels } from './routes/models'
import { registerResponses } from './routes/responses'
import { MemoryResponseStore, type ResponseStore } from '../responses/response-store'
import {
  allowedRequestHeaders,
  checkApiKey,
  checkOrigin,
  EXPOSED_HEADERS,
  hostChecker,
  type SecurityOptions
} from './security'

export interface ServerOptions extends SecurityOptions {
  /** The address the server binds; accepted as a Host name. */
  host: string
  bodyLimitBytes: number
  maxConcurrent: number
  /** Time to receive a whole request, headers and body (not the answer): then 408. */
  requestTimeoutMs: number
  /** Time to receive the request headers (a slow-header client): then 408. */
  headersTimeoutMs: number
  /** Open connections beyond this are closed at once. */
  maxConnections: number
}

export interface AppDeps {
  pipelines: PipelineRegistry
  /** Local model statuses for `GET /status`. */
  modelStatus?: () => ModelRuntimeStatus[]
  /** Ollama (installed, running, where, started by llmnet) for `GET /status`. */
  ollamaStatus?: () => Promise<OllamaHostStatus>
  /** Why a pipeline cannot answer yet (a model to download); empty when it is ready. */
  pipelineProblems?: (id: string) => string[]
  engine: EngineDeps
  metrics: Metrics
  options: ServerOptions
  version: string
  /**
   * Readiness for `GET /ready` (a Kubernetes readiness probe): ready once the pipelines are
   * loaded and their local models can answer; reasons otherwise. Absent: ready when listening.
   */
  ready?: () => Readiness
  /** Shared with listen(), whose close() drains these requests (default: the app's own). */
  inflight?: InFlight
  /**
   * Per-app access for the API's other routes (not `/api`, the UI or `/health`): undefined lets
   * the request through as no app in particular; a promise settles on the app or the 401.
   */
  authorize?: Authorizer
  /** Stored `/v1/responses` answers (default: in memory, the newest 500). */
  responses?: ResponseStore
}

export interface Readiness {
  ready: boolean
  /** Why not, for people (empty when ready). */
  reasons: string[]
}

/** Decides per request; undefined (synchronously) when nothing needs checking. */
export type Authorizer = (
  headers: IncomingHttpHeaders
) => Promise<{ app?: string } | AppError> | undefined

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  host: '127.0.0.1',
  allowedHosts: [],
  corsOrigins: [],
  bodyLimitBytes: 10 * 1024 * 1024,
  maxConcurrent: 256,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  maxConnections: 1024
}

const started = Math.floor(Date.now() / 1000)

/**
 * The gate's checks other than CORS, in order: one Host, an accepted Host, then the API key or
 * the `authorize` hook. Throws an AppError; a promise when `authorize` must decide. Shared by the
 * Fastify hook below and the fast lane (fast-lane.ts), which takes no request with an `Origin`.
 */
interface RequestChecks {
  host(req: IncomingMessage): void
  access(req: IncomingMessage, url: string): Promise<{ app?: string } | AppError> | undefined
}

function requestChecks(deps: AppDeps): RequestChecks {
  const { options } = deps
  const checkHost = hostChecker(options, options.host)
  return {
    host(req) {
      checkOneHost(req)
      checkHost(req.headers)
    },
    access(req, url) {
      // The control API and the UI check the server's own token (see control/http.ts, ui.ts).
      // Probes carry no key: /health and /ready answer without one (they reveal no data).
      const guarded = url !== '/health' && url !== '/ready' && !ownAuth(url)
      if (options.apiKey && guarded) checkApiKey(req.headers, options.apiKey)
      return guarded && !options.apiKey ? deps.authorize?.(req.headers) : undefined
    }
  }
}

/**
 * The gate every request passes first: 503 while draining, the Host and Origin checks (CORS
 * preflight answered here), then the API key or the `authorize` hook. A callback-style hook: no
 * promise per request on the hot path.
 */
function requestGate(
  deps: AppDeps,
  inflight: InFlight,
  checks: RequestChecks
): onRequestHookHandler {
  const { options } = deps
  return (req, reply, done) => {
    try {
      if (inflight.draining) {
        reply.header('connection', 'close')
        throw shuttingDown()
      }
      checks.host(req.raw)
      const origin =
        req.headers.origin === undefined ? undefined : checkOrigin(req.headers, options)
      if (origin) {
        reply.header('access-control-allow-origin', origin).header('vary', 'Origin')
        if (req.method === 'OPTIONS') {
          reply
            .header('vary', 'Origin, Access-Control-Request-Headers')
            .header('access-control-allow-methods', 'GET, POST, OPTIONS')
            .header(
              'access-control-allow-headers',
              allowedRequestHeaders(req.headers['access-control-request-headers'])
            )
            .header('access-control-max-age', '600')
            .code(204)
            .send()
          return
        }
        reply.header('access-control-expose-headers', EXPOSED_HEADERS)
      }
      const pending = checks.access(req.raw, req.url)
      if (!pending) return done()
      pending.then(
        (result) => {
          if (result instanceof AppError) return done(result)
          if (result.app) setRequestApp(req.raw, result.app)
          done()
        },
        (err: unknown) => done(err as Error)
      )
    } catch (err) {
      done(err as Error)
    }
  }
}

/** `/health`, `/ready`, `/status` and `/metrics`: what probes and monitors read. */
function registerProbes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/health', async () => ({
    status: 'ok',
    version: deps.version,
    pipelines: deps.pipelines.list().length
  }))
  app.get('/ready', async (_req, reply) => {
    const r = deps.ready?.() ?? { ready: true, reasons: [] }
    if (!r.ready) reply.code(503)
    return { status: r.ready ? 'ready' : 'not_ready', reasons: r.reasons }
  })
  app.get('/status', async () => ({
    version: deps.version,
    pipelines: deps.pipelines.list().map((p) => {
      const problems = deps.pipelineProblems?.(p.id) ?? []
      return {
        id: p.id,
        path: p.path ?? null,
        nodes: p.composition.architecture.length,
        ready: problems.length === 0,
        problems
      }
    }),
    models: deps.modelStatus?.() ?? [],
    ollama: (await deps.ollamaStatus?.()) ?? null
  }))
  app.get('/metrics', async (_req, reply) => {
    reply.type('text/plain; version=0.0.4')
    return deps.metrics.render()
  })
}

export function createApp(deps: AppDeps): FastifyInstance {
  const { options } = deps
  const inflight = deps.inflight ?? new InFlight()
  const requestTimeout = options.requestTimeoutMs
  // Errors the engine already counted through its trace.
  const traced = new WeakSet<object>()
  const routes = {
    pipelines: deps.pipelines,
    engine: deps.engine,
    maxConcurrent: options.maxConcurrent,
    inflight,
    traced
  }
  const checks = requestChecks(deps)
  const chat = chatHandler(routes)
  /** An error as it leaves: counted unless the engine traced it, in OpenAI's envelope. */
  const rejection = (err: unknown): AppError => {
    const e = toAppError(err as FastifyError | AppError)
    if (!(typeof err === 'object' && err !== null && traced.has(err))) deps.metrics.rejected(e.code)
    return e
  }
  const lane = fastLane({
    bodyLimitBytes: options.bodyLimitBytes,
    inflight,
    admit: (req) => {
      checks.host(req)
      return checks.access(req, req.url as string)
    },
    chat,
    answer: (err) => errorAnswer(rejection(err))
  })
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes,
    // The onRequest hook answers 503 in the envelope while draining.
    return503OnClosing: false,
    // A `__proto__` key is valid JSON: dropped (it could only reach a prototype), not refused.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    requestTimeout,
    http: {
      requestTimeout,
      headersTimeout: Math.min(options.headersTimeoutMs, requestTimeout),
      // How often node:http looks for requests past their timeout (its default is 30 s).
      connectionsCheckingInterval: Math.max(50, Math.min(5000, requestTimeout / 4)),
      // A missing Host is answered 400 in the envelope by the onRequest hook, not by node:http.
      requireHostHeader: false
    },
    // The server Fastify would make, with the fast lane in front of Fastify's router.
    serverFactory: serverWith(lane),
    clientErrorHandler: (err, socket) => answerClientError(err, socket, deps.metrics),
    // A URL the router cannot read (bad %-escape, an overlong segment): before any hook.
    frameworkErrors: (err, _req, res) => {
      const e = toAppError(err)
      deps.metrics.rejected(e.code)
      ;(res as FastifyReply).code(e.status).send(e.toBody())
    }
  })
  app.server.maxConnections = options.maxConnections
  // JSON only: a text/plain body (what a cross-site form can send) is refused with 415.
  app.removeContentTypeParser('text/plain')

  app.addHook('onRequest', requestGate(deps, inflight, checks))

  app.setErrorHandler((err: FastifyError | AppError, _req, reply) => {
    const e = rejection(err)
    const after = retryAfter(e)
    if (after !== undefined) reply.header('retry-after', after)
    reply.code(e.status).send(e.toBody())
  })
  app.setNotFoundHandler((req, reply) => {
    // Apps made for Ollama check `GET /` (or HEAD) before using `/api`; the UI, when served, owns `/`.
    if (req.url === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      reply.type('text/plain; charset=utf-8').send(OLLAMA_ROOT_ANSWER)
      return
    }
    reply.code(404).send(errorBody('not_found', `no route for ${req.method} ${req.url}`))
  })

  registerProbes(app, deps)
  registerModels(app, deps.pipelines, started)
  registerChatCompletions(app, chat)
  registerResponses(app, { ...routes, responses: deps.responses ?? new MemoryResponseStore() })
  registerCompletions(app, routes)
  registerEmbeddings(app, routes)
  registerMessages(app, { ...routes, toAppError, rejected: (code) => deps.metrics.rejected(code) })
  registerOllamaApi(app, {
    ...routes,
    version: deps.version,
    modelStatus: deps.modelStatus,
    toAppError,
    rejected: (code) => deps.metrics.rejected(code)
  })
  return app
}

/**
 * HTTP/1.1 requires exactly one Host (RFC 9112 §3.2); node:http keeps the first of several, so
 * a second one, which a proxy in between might read instead, is refused here.
 */
function checkOneHost(req: IncomingMessage): void {
  if (req.headers.host === undefined)
    throw new AppError('invalid_request', 'the Host header is missing', { param: 'Host' })
  const raw = req.rawHeaders
  let seen = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    if (name.length === 4 && name.toLowerCase() === 'host' && ++seen > 1)
      throw new AppError('invalid_request', 'the request has more than one Host header', {
        param: 'Host'
      })
  }
}

/** The client's path from Fastify's URL error message, shortened, as a JSON string. */
function quotedPath(message: string): string {
  const path = /^'(.*)' is /s.exec(message)?.[1] ?? ''
  return JSON.stringify(path.length > 80 ? `${path.slice(0, 80)}…` : path)
}

/**
 * Routes with their own authentication: the control API under `/api/*` (not Ollama's routes
 * there, which follow `/v1`'s rules) and the UI's page and assets.
 */
function ownAuth(url: string): boolean {
  return (
    (url.startsWith('/api/') && !isOllamaPath(url)) ||
    url === '/' ||
    url.startsWith('/?') ||
    url.startsWith('/assets/')
  )
}

/** A framework error (bad URL, body limits, bad JSON) as an AppError; AppErrors pass through. */
export function toAppError(err: FastifyError | AppError): AppError {
  if (err instanceof AppError) return err
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return new AppError(
        'invalid_request',
        `the URL path ${quotedPath(err.message)} is not valid: a % must start an escape such as %20`
      )
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError(
        'uri_too_long',
        `a segment of the URL path ${quotedPath(err.message)} is too long (over 100 characters)`
      )
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('request_too_large', 'the request body is too large')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'send the body as application/json')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_request', 'the request body is empty')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('invalid_request', 'the Content-Length header does not match the body')
  }
  if (err.statusCode === 400)
    return new AppError('invalid_request', `invalid JSON body: ${err.message}`)
  return AppError.from(err)
}
