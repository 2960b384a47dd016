/**
 * @module POST /v1/chat/completions: validates the body, picks the pipeline by `model`, runs the
 * engine, and answers as JSON or as SSE. Errors before the first byte get a real status code;
 * errors after it become an error event followed by `[DONE]`.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { formatPath } from '../../../../shared/config/diagnostics'
import { type ChatCompletion, ChatCompletionRequestSchema } from '../../../../shared/openai/chat'
import { runPipeline, type EngineDeps, type EngineEvent } from '../../engine/engine'
import { AppError } from '../../errors'
import type { PipelineRegistry } from '../../pipelines/registry'
import { ChunkWriter } from '../sse'

export interface ChatRouteDeps {
  pipelines: PipelineRegistry
  engine: EngineDeps
  maxConcurrent: number
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

function requestIdOf(req: FastifyRequest): string {
  const given = req.headers['x-request-id']
  const v = Array.isArray(given) ? given[0] : given
  return v && REQUEST_ID.test(v) ? v : randomUUID()
}

export function registerChatCompletions(app: FastifyInstance, deps: ChatRouteDeps): void {
  let active = 0
  app.post('/v1/chat/completions', async (req, reply) => {
    const parsed = ChatCompletionRequestSchema.safeParse(req.body)
    if (!parsed.success) {
      const first = parsed.error.issues[0]
      const param = first ? formatPath(first.path as (string | number)[]) : null
      const all = parsed.error.issues.map((i) => `${formatPath(i.path as (string | number)[])}: ${i.message}`).join('; ')
      throw new AppError('invalid_request', `invalid request body: ${all}`, { param })
    }
    const body = parsed.data
    const pipeline = deps.pipelines.resolve(body.model)
    if (!pipeline) {
      const known = deps.pipelines.list().map((p) => p.id)
      throw new AppError('model_not_found', `model "${body.model}" is not served here; available: ${['llmnet', ...known].join(', ')}`, { param: 'model' })
    }
    if (active >= deps.maxConcurrent) {
      throw new AppError('rate_limited', `too many requests in flight (limit ${deps.maxConcurrent}); retry shortly`)
    }
    active++
    const requestId = requestIdOf(req)
    const controller = new AbortController()
    const onClose = (): void => {
      if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'))
    }
    reply.raw.on('close', onClose)
    const stream = body.stream === true
    const events = runPipeline(deps.engine, {
      pipeline,
      request: body,
      requestId,
      headers: req.headers,
      signal: controller.signal,
      stream
    })
    try {
      if (stream) await streamResponse(reply, events, requestId, body.model, body.stream_options?.include_usage === true)
      else return await jsonResponse(reply, events, requestId, body.model)
    } finally {
      active--
      reply.raw.off('close', onClose)
      if (!controller.signal.aborted) controller.abort()
    }
  })
}

async function jsonResponse(
  reply: FastifyReply,
  events: AsyncGenerator<EngineEvent>,
  requestId: string,
  model: string
): Promise<ChatCompletion> {
  let content = ''
  let toolCalls: unknown[] | undefined
  for await (const ev of events) {
    if (ev.type === 'delta') {
      if (ev.content) content += ev.content
      if (ev.toolCalls) toolCalls = [...(toolCalls ?? []), ...ev.toolCalls]
    } else if (ev.type === 'end') {
      reply.header('x-request-id', requestId).header('x-llmnet-route', ev.route.join('>'))
      return {
        id: `chatcmpl-${requestId}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: toolCalls && !content ? null : content, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
            finish_reason: ev.finishReason ?? 'stop',
            logprobs: null
          }
        ],
        usage: ev.usage
      }
    }
  }
  throw new AppError('internal_error', 'the pipeline ended without an answer')
}

async function streamResponse(
  reply: FastifyReply,
  events: AsyncGenerator<EngineEvent>,
  requestId: string,
  model: string,
  includeUsage: boolean
): Promise<void> {
  // Nothing is sent until the engine has a first event, so earlier failures keep their status.
  const first = await events.next()
  if (first.done) throw new AppError('internal_error', 'the pipeline ended without an answer')
  const route = first.value.type === 'start' ? first.value.route : []
  reply.hijack()
  const res = reply.raw
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': requestId,
    'x-llmnet-route': route.join('>'),
    ...corsHeaders(reply)
  })
  const out = new ChunkWriter(res, `chatcmpl-${requestId}`, Math.floor(Date.now() / 1000), model)
  await out.role()
  try {
    let ev: IteratorResult<EngineEvent> = first
    while (!ev.done) {
      const e = ev.value
      if (e.type === 'delta') {
        if (e.content) await out.content(e.content)
        if (e.toolCalls?.length) await out.toolCalls(e.toolCalls)
      } else if (e.type === 'end') {
        await out.finish(e.finishReason)
        if (includeUsage) await out.usage(e.usage)
      }
      if (res.destroyed) {
        await events.return(undefined)
        return
      }
      ev = await events.next()
    }
  } catch (err) {
    const e = AppError.from(err)
    if (!res.destroyed) await out.error(e.toBody())
  }
  await out.done()
}

/** CORS headers set by the onRequest hook must be copied onto a hijacked response. */
function corsHeaders(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of ['access-control-allow-origin', 'vary']) {
    const v = reply.getHeader(name)
    if (typeof v === 'string') out[name] = v
  }
  return out
}
