/**
 * @module The HTTP app factory (Fastify). Listening is separate (listen.ts), so tests can call
 * `app.inject()` or listen on port 0. Every error leaves in OpenAI's envelope with a real status.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import type { ModelRuntimeStatus } from '../../../shared/models/status'
import { errorBody } from '../../../shared/openai/error'
import type { EngineDeps } from '../engine/engine'
import { AppError } from '../errors'
import type { Metrics } from '../metrics'
import { DEFAULT_ALIAS, type PipelineRegistry } from '../pipelines/registry'
import { registerChatCompletions } from './routes/chat-completions'
import { checkApiKey, checkOrigin, hostChecker, type SecurityOptions } from './security'

export interface ServerOptions extends SecurityOptions {
  /** The address the server binds; accepted as a Host name. */
  host: string
  bodyLimitBytes: number
  maxConcurrent: number
}

export interface AppDeps {
  pipelines: PipelineRegistry
  /** Local model statuses for `GET /status`. */
  modelStatus?: () => ModelRuntimeStatus[]
  /** Why a pipeline cannot answer yet (a model to download); empty when it is ready. */
  pipelineProblems?: (id: string) => string[]
  engine: EngineDeps
  metrics: Metrics
  options: ServerOptions
  version: string
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  host: '127.0.0.1',
  allowedHosts: [],
  corsOrigins: [],
  bodyLimitBytes: 10 * 1024 * 1024,
  maxConcurrent: 256
}

const started = Math.floor(Date.now() / 1000)

export function createApp(deps: AppDeps): FastifyInstance {
  const { options } = deps
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes,
    return503OnClosing: true
  })
  // JSON only: a text/plain body (what a cross-site form can send) is refused with 415.
  app.removeContentTypeParser('text/plain')

  const checkHost = hostChecker(options, options.host)
  // A callback-style hook: no promise per request on the hot path.
  app.addHook('onRequest', (req, reply, done) => {
    try {
      checkHost(req.headers)
      const origin =
        req.headers.origin === undefined ? undefined : checkOrigin(req.headers, options)
      if (origin) {
        reply.header('access-control-allow-origin', origin).header('vary', 'Origin')
        if (req.method === 'OPTIONS') {
          reply
            .header('access-control-allow-methods', 'GET, POST, OPTIONS')
            .header('access-control-allow-headers', 'authorization, content-type, x-request-id')
            .header('access-control-max-age', '600')
            .code(204)
            .send()
          return
        }
      }
      if (options.apiKey && req.url !== '/health') checkApiKey(req.headers, options.apiKey)
      done()
    } catch (err) {
      done(err as Error)
    }
  })

  app.setErrorHandler((err: FastifyError | AppError, _req, reply) => {
    const e = toAppError(err)
    deps.metrics.rejected(e.code)
    if (e.options.retryAfterMs !== undefined)
      reply.header('retry-after', String(Math.ceil(e.options.retryAfterMs / 1000)))
    reply.code(e.status).send(e.toBody())
  })
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errorBody('not_found', `no route for ${req.method} ${req.url}`))
  })

  app.get('/health', async () => ({
    status: 'ok',
    version: deps.version,
    pipelines: deps.pipelines.list().length
  }))
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
    models: deps.modelStatus?.() ?? []
  }))
  app.get('/metrics', async (_req, reply) => {
    reply.type('text/plain; version=0.0.4')
    return deps.metrics.render()
  })
  app.get('/v1/models', async () => ({ object: 'list', data: modelList(deps.pipelines) }))
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (req) => {
    const found = modelList(deps.pipelines).find((m) => m.id === req.params.id)
    if (!found)
      throw new AppError('model_not_found', `model "${req.params.id}" is not served here`, {
        param: 'model'
      })
    return found
  })
  registerChatCompletions(app, {
    pipelines: deps.pipelines,
    engine: deps.engine,
    maxConcurrent: options.maxConcurrent
  })
  return app
}

function modelList(
  pipelines: PipelineRegistry
): { id: string; object: 'model'; created: number; owned_by: string }[] {
  const list = pipelines
    .list()
    .map((p) => ({ id: p.id, object: 'model' as const, created: started, owned_by: 'llmnet' }))
  return pipelines.default()
    ? [
        ...list,
        { id: DEFAULT_ALIAS, object: 'model' as const, created: started, owned_by: 'llmnet' }
      ]
    : list
}

function toAppError(err: FastifyError | AppError): AppError {
  if (err instanceof AppError) return err
  switch (err.code) {
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
