/**
 * @module Ollama's native API on the same host:port as `/v1`, for apps that speak only Ollama
 * (its docs/api.md): `/api/chat` and `/api/generate` (NDJSON streamed unless `stream: false`),
 * `/api/embed`, `/api/embeddings`, `/api/tags`, `/api/show`, `/api/ps`, `/api/version`. Chat and
 * generate run the pipeline engine like `/v1/chat/completions`; `generate` with a `suffix` and the
 * embed routes go to one model like `/v1/completions` and `/v1/embeddings`. Model names are the
 * `/v1/models` ids (a `:latest` tag is ignored). Errors are Ollama's `{"error": "..."}` with the
 * status llmnet would answer; mid-stream, an `{"error"}` line. The control API's routes under
 * `/api` are dotted (`pipelines.list`), so none of these collide with them.
 */
import { createHash } from 'node:crypto'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ModelRuntimeStatus } from '../../../../shared/models/status'
import {
  doneReason,
  OLLAMA_API_VERSION,
  OllamaChatRequestSchema,
  ollamaChatToOpenAI,
  OllamaEmbeddingsRequestSchema,
  OllamaEmbedRequestSchema,
  OllamaGenerateRequestSchema,
  ollamaGenerateToOpenAI,
  OllamaShowRequestSchema,
  optionFields,
  parseArguments
} from '../../../../shared/ollama/api'
import type { ChatCompletionRequest, Usage } from '../../../../shared/openai/chat'
import type { EngineResult } from '../../engine/engine'
import { AppError } from '../../errors'
import { requireAddress, resolveAddress } from '../../pipelines/addressing'
import { parseBody } from './body'
import {
  answerHeaders,
  type EngineRouteDeps,
  endpointModel,
  RouteGate,
  type RouteRun,
  runChat,
  sendJsonAnswer,
  type ToolCall,
  ToolCallCollector
} from './engine-route'
import { listModels } from './models'
import { StreamWriter } from '../sse'

export interface OllamaRouteDeps extends EngineRouteDeps {
  version: string
  /** Local model processes, for `/api/ps`. */
  modelStatus?: () => ModelRuntimeStatus[]
  /** The app's mapping of framework errors (bad JSON, size limits) to AppErrors. */
  toAppError(err: FastifyError | AppError): AppError
  /** Counts a refused request (the app's metrics), unless the engine traced it. */
  rejected(code: string): void
}

/** The paths this module serves: the app's guard treats them like `/v1`, not as the control API. */
export const OLLAMA_PATHS = new Set([
  '/api/chat',
  '/api/generate',
  '/api/embed',
  '/api/embeddings',
  '/api/tags',
  '/api/show',
  '/api/ps',
  '/api/version'
])

/** Whether a request URL (path and query) is one of Ollama's routes. */
export function isOllamaPath(url: string): boolean {
  const q = url.indexOf('?')
  return OLLAMA_PATHS.has(q < 0 ? url : url.slice(0, q))
}

/** What Ollama answers on `GET /` and `HEAD /`, which apps use to see that a server is up. */
export const OLLAMA_ROOT_ANSWER = 'Ollama is running'

const NDJSON = 'application/x-ndjson'
const LATEST = ':latest'

/** The served id a client's model name means: as given, or without Ollama's `:latest` tag. */
function servedName(deps: EngineRouteDeps, model: string): string {
  if (resolveAddress(deps.pipelines, model)) return model
  if (model.endsWith(LATEST)) {
    const bare = model.slice(0, -LATEST.length)
    if (resolveAddress(deps.pipelines, bare)) return bare
  }
  return model
}

/** A stable digest for a served id (Ollama lists a sha256 per model). */
function digestOf(id: string): string {
  return createHash('sha256').update(id).digest('hex')
}

function details(pipeline?: string): Record<string, unknown> {
  return {
    parent_model: pipeline ?? '',
    format: '',
    family: 'llmnet',
    families: ['llmnet'],
    parameter_size: '',
    quantization_level: ''
  }
}

/** Nanoseconds since `startNs` (Ollama reports durations in ns). */
function since(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs)
}

function stats(usage: Usage | null, startNs: bigint): Record<string, number> {
  return {
    total_duration: since(startNs),
    load_duration: 0,
    prompt_eval_count: usage?.prompt_tokens ?? 0,
    prompt_eval_duration: 0,
    eval_count: usage?.completion_tokens ?? 0,
    eval_duration: 0
  }
}

function ollamaToolCalls(calls: ToolCall[]): Record<string, unknown>[] {
  return calls.map((c, index) => ({
    id: c.id,
    function: { index, name: c.name, arguments: parseArguments(c.arguments) }
  }))
}

/** One answer being written as Ollama's chat or generate objects, whole or as NDJSON lines. */
interface Shape {
  /** The fields of one object that carry `text` (and thinking, tool calls). */
  piece(text: string, thinking: string, calls?: ToolCall[]): Record<string, unknown>
}

const chatShape: Shape = {
  piece: (text, thinking, calls) => ({
    message: {
      role: 'assistant',
      content: text,
      ...(thinking && { thinking }),
      ...(calls?.length && { tool_calls: ollamaToolCalls(calls) })
    }
  })
}

const generateShape: Shape = {
  piece: (text, thinking) => ({ response: text, ...(thinking && { thinking }) })
}

/** Runs a chat request through the engine and answers it in Ollama's shape. */
async function answerChat(
  deps: OllamaRouteDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  run: RouteRun,
  chat: ChatCompletionRequest,
  model: string,
  shape: Shape
): Promise<void> {
  const startNs = process.hrtime.bigint()
  const createdAt = (): string => new Date().toISOString()
  const calls = new ToolCallCollector()
  if (!chat.stream) {
    let text = ''
    let thinking = ''
    const result = await runChat(deps, req, run, chat, {
      start() {},
      delta(d) {
        if (d.content) text += d.content
        const r = d.reasoningContent ?? d.reasoning
        if (r) thinking += r
        if (d.toolCalls) calls.add(d.toolCalls)
      }
    })
    sendJsonAnswer(reply, run.requestId, result.route, {
      model,
      created_at: createdAt(),
      ...shape.piece(text, thinking, calls.calls),
      done_reason: doneReason(result.finishReason),
      done: true,
      ...stats(result.usage, startNs)
    })
    return
  }
  const res = reply.raw
  const writer = new StreamWriter(res)
  let started = false
  const line = (obj: Record<string, unknown>): void => writer.write(`${JSON.stringify(obj)}\n`)
  let result: EngineResult
  try {
    result = await runChat(deps, req, run, chat, {
      start(route) {
        reply.hijack()
        res.writeHead(200, answerHeaders(reply, run.requestId, route, NDJSON))
        started = true
      },
      delta(d) {
        const r = d.reasoningContent ?? d.reasoning ?? ''
        // Ollama sends whole tool calls; they are gathered and sent with the last line.
        if (d.toolCalls) calls.add(d.toolCalls)
        if (d.content || r)
          line({ model, created_at: createdAt(), ...shape.piece(d.content ?? '', r), done: false })
        // A slow reader holds the upstream back instead of the answer piling up in memory.
        return writer.wait()
      }
    })
  } catch (err) {
    if (!started) throw err
    line({ error: AppError.from(err).message })
    writer.end()
    return
  }
  if (!started) {
    reply.hijack()
    res.writeHead(200, answerHeaders(reply, run.requestId, result.route, NDJSON))
  }
  line({
    model,
    created_at: createdAt(),
    ...shape.piece('', '', calls.calls),
    done_reason: doneReason(result.finishReason),
    done: true,
    ...stats(result.usage, startNs)
  })
  writer.end()
}

/** An empty prompt (or no messages) only loads the model in Ollama: answered `done_reason: load`. */
function answerLoad(reply: FastifyReply, model: string, shape: Shape, stream: boolean): unknown {
  const obj = {
    model,
    created_at: new Date().toISOString(),
    ...shape.piece('', ''),
    done_reason: 'load',
    done: true
  }
  if (!stream) return obj
  reply.type(NDJSON)
  return `${JSON.stringify(obj)}\n`
}

/** `generate` with a `suffix`: fill-in-the-middle at one model's `/completions`. */
async function answerFim(
  deps: OllamaRouteDeps,
  reply: FastifyReply,
  run: RouteRun,
  body: ReturnType<typeof OllamaGenerateRequestSchema.parse>,
  model: string
): Promise<void> {
  const startNs = process.hrtime.bigint()
  const target = endpointModel(deps, model, 'completions')
  const answer = (await target.provider.endpoint(
    {
      path: 'completions',
      body: {
        ...optionFields(body.options),
        model: target.upstreamModel,
        prompt: body.prompt,
        suffix: body.suffix ?? ''
      }
    },
    undefined,
    { signal: run.signal }
  )) as { choices?: { text?: string; finish_reason?: string | null }[]; usage?: Usage } | undefined
  const choice = answer?.choices?.[0]
  if (!choice) throw new AppError('upstream_error', `model ${target.name} answered without choices`)
  const out = {
    model: body.model,
    created_at: new Date().toISOString(),
    response: choice.text ?? '',
    done_reason: doneReason(choice.finish_reason ?? null),
    done: true,
    ...stats(answer?.usage ?? null, startNs)
  }
  if (body.stream === false) {
    sendJsonAnswer(reply, run.requestId, [target.name], out)
    return
  }
  // A stream of one piece and the last line: what Ollama's clients read either way.
  const res = reply.raw
  reply.hijack()
  res.writeHead(200, answerHeaders(reply, run.requestId, [target.name], NDJSON))
  const first = {
    model: body.model,
    created_at: out.created_at,
    response: out.response,
    done: false
  }
  res.end(`${JSON.stringify(first)}\n${JSON.stringify({ ...out, response: '' })}\n`)
}

async function embed(
  deps: OllamaRouteDeps,
  model: string,
  input: string[],
  run: RouteRun,
  extra: Record<string, unknown>
): Promise<{ vectors: number[][]; usage?: Usage; name: string }> {
  const target = endpointModel(deps, model, 'embeddings')
  const answer = (await target.provider.endpoint(
    {
      path: 'embeddings',
      body: { ...extra, model: target.upstreamModel, input, encoding_format: 'float' }
    },
    undefined,
    { signal: run.signal }
  )) as { data?: { embedding?: unknown; index?: number }[]; usage?: Usage } | undefined
  const data = answer?.data
  if (!Array.isArray(data))
    throw new AppError('upstream_error', `model ${target.name} answered embeddings without data`)
  const sorted = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
  const vectors = sorted.map((d) => (Array.isArray(d.embedding) ? (d.embedding as number[]) : []))
  return { vectors, usage: answer?.usage, name: target.name }
}

/** Registers the routes in their own scope, whose errors leave as Ollama's `{"error"}`. */
export function registerOllamaApi(app: FastifyInstance, deps: OllamaRouteDeps): void {
  const gate = new RouteGate(deps)
  const started = Math.floor(Date.now() / 1000)
  void app.register(async (scope) => {
    scope.setErrorHandler((err: FastifyError | AppError, _req, reply) => {
      const e = deps.toAppError(err)
      if (!deps.traced.has(err)) deps.rejected(e.code)
      if (e.options.retryAfterMs !== undefined)
        reply.header('retry-after', String(Math.ceil(e.options.retryAfterMs / 1000)))
      reply.code(e.status).send({ error: e.message })
    })

    registerAnswerRoutes(scope, deps, gate)
    registerModelRoutes(scope, deps, started)
  })
}

/** `/api/chat`, `/api/generate`, `/api/embed` and `/api/embeddings`: the routes that answer. */
function registerAnswerRoutes(
  scope: FastifyInstance,
  deps: OllamaRouteDeps,
  gate: RouteGate
): void {
  scope.post('/api/chat', async (req, reply) => {
    const body = parseBody(OllamaChatRequestSchema, req.body)
    const model = servedName(deps, body.model)
    const chat = { ...ollamaChatToOpenAI(body), model }
    if (body.messages.length === 0) {
      requireAddress(deps.pipelines, model)
      return answerLoad(reply, body.model, chatShape, chat.stream === true)
    }
    await gate.run(req, reply.raw, (run) =>
      answerChat(deps, req, reply, run, chat, body.model, chatShape)
    )
  })

  scope.post('/api/generate', async (req, reply) => {
    const body = parseBody(OllamaGenerateRequestSchema, req.body)
    const model = servedName(deps, body.model)
    if (!body.prompt && !body.suffix) {
      requireAddress(deps.pipelines, model)
      return answerLoad(reply, body.model, generateShape, body.stream !== false)
    }
    if (typeof body.suffix === 'string' && body.suffix !== '') {
      await gate.run(req, reply.raw, (run) => answerFim(deps, reply, run, body, model))
      return
    }
    const chat = { ...ollamaGenerateToOpenAI(body), model }
    await gate.run(req, reply.raw, (run) =>
      answerChat(deps, req, reply, run, chat, body.model, generateShape)
    )
  })

  scope.post('/api/embed', async (req, reply) => {
    const body = parseBody(OllamaEmbedRequestSchema, req.body)
    const model = servedName(deps, body.model)
    const input = typeof body.input === 'string' ? [body.input] : body.input
    const extra = {
      ...optionFields(body.options),
      ...(body.dimensions && { dimensions: body.dimensions })
    }
    await gate.run(req, reply.raw, async (run) => {
      const startNs = process.hrtime.bigint()
      const out = await embed(deps, model, input, run, extra)
      sendJsonAnswer(reply, run.requestId, [out.name], {
        model: body.model,
        embeddings: out.vectors,
        total_duration: since(startNs),
        load_duration: 0,
        prompt_eval_count: out.usage?.prompt_tokens ?? 0
      })
    })
  })

  scope.post('/api/embeddings', async (req, reply) => {
    const body = parseBody(OllamaEmbeddingsRequestSchema, req.body)
    const model = servedName(deps, body.model)
    await gate.run(req, reply.raw, async (run) => {
      const out = await embed(deps, model, [body.prompt], run, optionFields(body.options))
      sendJsonAnswer(reply, run.requestId, [out.name], { embedding: out.vectors[0] ?? [] })
    })
  })
}

/** `/api/tags`, `/api/show`, `/api/ps` and `/api/version`: what is served, and its facts. */
function registerModelRoutes(scope: FastifyInstance, deps: OllamaRouteDeps, started: number): void {
  const modifiedAt = new Date(started * 1000).toISOString()
  scope.get('/api/tags', async () => ({
    models: listModels(deps.pipelines, started).map((m) => ({
      name: m.id,
      model: m.id,
      modified_at: modifiedAt,
      size: 0,
      digest: digestOf(m.id),
      details: details(m.pipeline)
    }))
  }))

  scope.post('/api/show', async (req) => {
    const body = parseBody(OllamaShowRequestSchema, req.body)
    const given = (body.model ?? body.name) as string
    const address = requireAddress(deps.pipelines, servedName(deps, given))
    const modelDetails = details(address.kind === 'model' ? address.pipeline.id : undefined)
    return {
      modelfile: '',
      parameters: '',
      template: '',
      details: modelDetails,
      model_info: {
        'general.architecture': 'llmnet',
        'llmnet.pipeline': address.pipeline.id,
        ...(address.kind === 'model' && { 'llmnet.model': address.modelKey })
      },
      capabilities: ['completion', 'tools'],
      modified_at: modifiedAt
    }
  })

  scope.get('/api/ps', async () => {
    const expiresAt = new Date(Date.now() + 24 * 3600 * 1000).toISOString()
    const pipelines = listModels(deps.pipelines, started).filter((m) => !m.pipeline)
    const loaded = (deps.modelStatus?.() ?? []).filter(
      (s) => s.pipeline !== undefined && (s.state === 'ready' || s.state === 'busy')
    )
    return {
      models: [
        ...pipelines.map((m) => ({
          name: m.id,
          model: m.id,
          size: 0,
          digest: digestOf(m.id),
          details: details(),
          expires_at: expiresAt,
          size_vram: 0
        })),
        ...loaded.map((s) => {
          const id = `${s.pipeline}/${s.key}`
          return {
            name: id,
            model: id,
            size: (s.memory?.ramBytes ?? 0) + (s.memory?.vramBytes ?? 0),
            digest: digestOf(id),
            details: details(s.pipeline),
            expires_at: expiresAt,
            size_vram: s.memory?.vramBytes ?? 0
          }
        })
      ]
    }
  })

  scope.get('/api/version', async () => ({ version: OLLAMA_API_VERSION, llmnet: deps.version }))
}
