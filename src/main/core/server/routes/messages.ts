/**
 * @module POST /v1/messages: Anthropic's Messages API mapped onto the pipeline, so Anthropic-SDK
 * tools and Claude Code can use local pipelines. Whole answers are a `message` with thinking,
 * text and `tool_use` blocks; streamed ones are Anthropic's event sequence: message_start,
 * content_block_start, content_block_delta (thinking_delta then signature_delta, text_delta,
 * input_json_delta)…, content_block_stop, message_delta, message_stop. Also
 * `POST /v1/messages/count_tokens` (a local model's own count, or an estimate) and `HEAD /`. Errors under `/v1/messages`, authentication and
 * unknown paths included, leave in Anthropic's shape `{type: "error", error: {type, message}}`.
 */
import { createHash } from 'node:crypto'
import type { FastifyError, FastifyInstance } from 'fastify'
import {
  anthropicErrorType,
  anthropicParams,
  anthropicToMessages,
  badTool,
  CHAT_FIELD_ORIGIN,
  type CountTokensRequest,
  CountTokensRequestSchema,
  estimateInputTokens,
  type MessagesRequest,
  MessagesRequestSchema,
  effectiveTools,
  stopReason,
  thinkingDisplay
} from '../../../../shared/anthropic/messages'
import { refusedField } from '../../../../shared/anthropic/messages-fields'
import type { ChatCompletionRequest, Usage } from '../../../../shared/openai/chat'
import type { EngineSink } from '../../engine/engine'
import { AppError } from '../../errors'
import { countsTokens, type Provider, type StreamDelta } from '../../providers/provider'
import { parseBody } from './body'
import {
  answerHeaders,
  type EngineRouteDeps,
  type ChatCall,
  pipelineOf,
  RouteGate,
  runChat,
  sendJsonAnswer,
  type ToolCall,
  ToolCallCollector
} from './engine-route'
import { StreamWriter } from '../sse'

export interface MessagesRouteDeps extends EngineRouteDeps {
  /** The app's mapping of framework errors (bad JSON, size limits) to AppErrors. */
  toAppError(err: FastifyError | AppError): AppError
  /** Counts a refused request (the app's metrics), unless the engine traced it. */
  rejected(code: string): void
}

/** The answer header naming the server tools dropped from what the model sees. */
export const DROPPED_TOOLS_HEADER = 'x-llmnet-dropped-tools'

/** An AppError as Anthropic's error body; a refused chat field is named as the client sent it. */
export function anthropicError(e: AppError): {
  type: 'error'
  error: { type: string; message: string }
} {
  const origin = e.options.param ? CHAT_FIELD_ORIGIN[e.options.param] : undefined
  const message = origin ? `${e.message} (from the Messages field ${origin})` : e.message
  return { type: 'error', error: { type: anthropicErrorType(e.status), message } }
}

/** The body, checked: the schema, then the fields and tools llmnet cannot honour, by name. */
function checked<T extends object>(body: T & { tools?: MessagesRequest['tools'] }): T {
  const refused = refusedField(body)
  if (refused) throw new AppError('invalid_request', refused.message, { param: refused.field })
  const bad = badTool(body.tools)
  if (bad !== undefined) {
    throw new AppError(
      'invalid_request',
      `tools[${bad}].input_schema: Field required (a tool without one must be a server tool with its "type")`,
      { param: `tools[${bad}].input_schema` }
    )
  }
  return body
}

function toChatRequest(body: MessagesRequest): ChatCompletionRequest {
  const messages = anthropicToMessages(body)
  if (!messages.some((m) => m.role !== 'system')) {
    throw new AppError(
      'invalid_request',
      'messages: at least one user or assistant message with content is required',
      { param: 'messages' }
    )
  }
  return {
    model: body.model,
    messages,
    stream: body.stream === true,
    ...anthropicParams(body)
  }
}

function anthropicUsage(u: Usage | null): Record<string, number> {
  return {
    input_tokens: u?.prompt_tokens ?? 0,
    output_tokens: u?.completion_tokens ?? 0,
    cache_read_input_tokens: u?.prompt_tokens_details?.cached_tokens ?? 0,
    cache_creation_input_tokens: 0
  }
}

function parseInput(args: string): unknown {
  if (!args.trim()) return {}
  try {
    return JSON.parse(args)
  } catch {
    // A model's malformed arguments are passed on as text rather than dropped.
    return { arguments: args }
  }
}

function toolUse(call: ToolCall): Record<string, unknown> {
  return { type: 'tool_use', id: call.id, name: call.name, input: parseInput(call.arguments) }
}

/**
 * The signature of a thinking block. Anthropic's SDKs expect one; clients send it back with the
 * block, which llmnet does not forward, so it only has to be stable for the same thoughts.
 */
function signature(thinking: string): string {
  return `llmnet.${createHash('sha256').update(thinking).digest('base64url')}`
}

/** A delta's thinking, under either of the names backends use. */
function thoughts(d: StreamDelta): string {
  return (d.reasoningContent ?? '') + (d.reasoning ?? '')
}

/** Registers the routes in their own scope, whose error handlers answer in Anthropic's shape. */
export function registerMessages(app: FastifyInstance, deps: MessagesRouteDeps): void {
  const gate = new RouteGate(deps)
  // Clients check the server is there with `HEAD /`. (Claude Code warms its connection with
  // `HEAD /api/hello` and ignores the answer, so that one needs nothing.)
  app.head('/', async (_req, reply) => reply.code(200).send())
  void app.register(
    async (scope) => {
      scope.setErrorHandler((err: FastifyError | AppError, _req, reply) => {
        const e = deps.toAppError(err)
        if (!deps.traced.has(err)) deps.rejected(e.code)
        if (e.options.retryAfterMs !== undefined)
          reply.header('retry-after', String(Math.ceil(e.options.retryAfterMs / 1000)))
        reply.code(e.status).send(anthropicError(e))
      })
      scope.setNotFoundHandler((req, reply) => {
        const e = new AppError('not_found', `no route for ${req.method} ${req.url.split('?')[0]}`)
        reply.code(404).send(anthropicError(e))
      })
      scope.post('', async (req, reply) => {
        const body = checked(parseBody(MessagesRequestSchema, req.body))
        const { dropped } = effectiveTools(body)
        if (dropped.length > 0) reply.header(DROPPED_TOOLS_HEADER, dropped.join(', '))
        const chat = toChatRequest(body)
        await gate.answer({ reply, deps, req, body, chat }, { whole, streamed })
      })
      scope.post('/count_tokens', async (req) => {
        const body = checked(parseBody(CountTokensRequestSchema, req.body))
        return { input_tokens: await countTokens(deps, body) }
      })
    },
    { prefix: '/v1/messages' }
  )
}

/**
 * A request's input tokens: counted by the model's own tokenizer and chat template when one local
 * llama.cpp model answers every request of the pipeline (or `PIPELINE/MODEL` names one), else
 * estimated (see estimateInputTokens). A model that is not downloaded yet is estimated too.
 */
async function countTokens(deps: MessagesRouteDeps, body: CountTokensRequest): Promise<number> {
  const pipeline = pipelineOf(deps.pipelines, body.model)
  const nodes = pipeline.composition.architecture.filter((n) => n.model !== undefined)
  const node = nodes[0]
  if (node && nodes.every((n) => n.model === node.model)) {
    let provider: Provider | undefined
    try {
      provider = deps.engine.providers.forNode(pipeline, node).provider
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'model_not_ready')) throw err
    }
    if (provider && countsTokens(provider)) {
      try {
        return await provider.countTokens(anthropicToMessages(body))
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'model_not_ready')) throw err
      }
    }
  }
  return estimateInputTokens(body)
}

async function whole({
  reply,
  deps,
  req,
  run,
  body,
  chat
}: ChatCall<MessagesRequest>): Promise<void> {
  let text = ''
  let thinking = ''
  const calls = new ToolCallCollector()
  const result = await runChat(deps, req, run, chat, {
    start() {},
    delta(d) {
      if (d.content) text += d.content
      thinking += thoughts(d)
      if (d.toolCalls) calls.add(d.toolCalls)
    }
  })
  const display = thinkingDisplay(body)
  const content: Record<string, unknown>[] = []
  if (thinking && display !== 'none') {
    content.push({
      type: 'thinking',
      thinking: display === 'shown' ? thinking : '',
      signature: signature(thinking)
    })
  }
  if (text) content.push({ type: 'text', text })
  for (const c of calls.calls) content.push(toolUse(c))
  sendJsonAnswer(reply, run.requestId, result.route, {
    id: `msg_${run.answerId}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: calls.calls.length > 0 ? 'tool_use' : stopReason(result.finishReason),
    stop_sequence: null,
    usage: anthropicUsage(result.usage)
  })
}

/**
 * The content blocks of one streamed answer: at most one open at a time (thinking, text, or a
 * tool call by its position among the calls), numbered in order, a thinking block closed with
 * its signature.
 */
class BlockStream {
  private open: { index: number; kind: 'thinking' | 'text' | 'tool'; call?: number } | undefined
  private thought = ''
  private blocks = 0

  constructor(private readonly out: StreamWriter) {}

  send(type: string, data: Record<string, unknown>): void {
    this.out.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)
  }

  close(): void {
    const open = this.open
    if (!open) return
    if (open.kind === 'thinking') {
      this.send('content_block_delta', {
        index: open.index,
        delta: { type: 'signature_delta', signature: signature(this.thought) }
      })
      this.thought = ''
    }
    this.send('content_block_stop', { index: open.index })
    this.open = undefined
  }

  /** The open thinking or text block's index, opening one when another kind is open. */
  openBlock(kind: 'thinking' | 'text', block: Record<string, unknown>): number {
    if (this.open?.kind !== kind) {
      this.close()
      this.open = { index: this.blocks++, kind }
      this.send('content_block_start', { index: this.open.index, content_block: block })
    }
    return this.open.index
  }

  /** Thinking text, kept for the signature. */
  think(text: string): void {
    this.thought += text
  }

  /** The tool call at `position`'s block index, opening it when it is new or not the open one. */
  openTool(position: number, call: { id: string; name: string }, isNew: boolean): number {
    if (!isNew && this.open?.call === position) return this.open.index
    this.close()
    const open = { index: this.blocks++, kind: 'tool' as const, call: position }
    this.open = open
    this.send('content_block_start', {
      index: open.index,
      content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} }
    })
    return open.index
  }
}

async function streamed({
  reply,
  deps,
  req,
  run,
  body,
  chat
}: ChatCall<MessagesRequest>): Promise<void> {
  const res = reply.raw
  let started = false
  const writer = new StreamWriter(res)
  const out = new BlockStream(writer)
  const send = (type: string, data: Record<string, unknown>): void => out.send(type, data)
  const display = thinkingDisplay(body)
  const calls = new ToolCallCollector()
  const sink: EngineSink = {
    start(route) {
      reply.hijack()
      res.writeHead(
        200,
        answerHeaders(reply, run.requestId, route, 'text/event-stream; charset=utf-8')
      )
      started = true
      send('message_start', {
        message: {
          id: `msg_${run.answerId}`,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: anthropicUsage(null)
        }
      })
      send('ping', {})
    },
    delta(d) {
      const t = thoughts(d)
      if (t && display !== 'none') {
        const index = out.openBlock('thinking', { type: 'thinking', thinking: '', signature: '' })
        out.think(t)
        if (display === 'shown')
          send('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: t } })
      }
      if (d.content) {
        const index = out.openBlock('text', { type: 'text', text: '' })
        send('content_block_delta', { index, delta: { type: 'text_delta', text: d.content } })
      }
      if (d.toolCalls) {
        calls.add(d.toolCalls, (position, call, isNew, args) => {
          const index = out.openTool(position, call, isNew)
          if (args)
            send('content_block_delta', {
              index,
              delta: { type: 'input_json_delta', partial_json: args }
            })
        })
      }
      // A slow reader holds the upstream back instead of the answer piling up in memory.
      return writer.wait()
    }
  }
  try {
    const result = await runChat(deps, req, run, chat, sink)
    if (!started) return
    out.close()
    send('message_delta', {
      delta: {
        stop_reason: calls.calls.length > 0 ? 'tool_use' : stopReason(result.finishReason),
        stop_sequence: null
      },
      usage: anthropicUsage(result.usage)
    })
    send('message_stop', {})
  } catch (err) {
    if (!started) throw err
    send('error', anthropicError(AppError.from(err)))
  }
  writer.end()
}
