/**
 * @module POST /v1/messages: Anthropic's Messages API mapped onto the pipeline, so Anthropic-SDK
 * tools can use local pipelines. Whole answers are a `message` with text and `tool_use` blocks;
 * streamed ones are Anthropic's event sequence: message_start, content_block_start,
 * content_block_delta (text_delta, input_json_delta)…, content_block_stop, message_delta,
 * message_stop. Errors on this route, its authentication included, leave in Anthropic's shape
 * `{type: "error", error: {type, message}}`.
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import {
  anthropicErrorType,
  anthropicParams,
  anthropicToMessages,
  type MessagesRequest,
  MessagesRequestSchema,
  stopReason
} from '../../../../shared/anthropic/messages'
import type { ChatCompletionRequest, Usage } from '../../../../shared/openai/chat'
import type { EngineSink } from '../../engine/engine'
import { AppError } from '../../errors'
import { parseBody } from './body'
import {
  answerHeaders,
  collectAnswer,
  type EngineRouteDeps,
  type ChatCall,
  RouteGate,
  runChat,
  sendJsonAnswer,
  type ToolCall,
  ToolCallCollector
} from './engine-route'

export interface MessagesRouteDeps extends EngineRouteDeps {
  /** The app's mapping of framework errors (bad JSON, size limits) to AppErrors. */
  toAppError(err: FastifyError | AppError): AppError
  /** Counts a refused request (the app's metrics), unless the engine traced it. */
  rejected(code: string): void
}

/** An AppError as Anthropic's error body. */
export function anthropicError(e: AppError): {
  type: 'error'
  error: { type: string; message: string }
} {
  return { type: 'error', error: { type: anthropicErrorType(e.status), message: e.message } }
}

function toChatRequest(body: MessagesRequest): ChatCompletionRequest {
  return {
    model: body.model,
    messages: anthropicToMessages(body),
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

/** Registers the route in its own scope, whose error handler answers in Anthropic's shape. */
export function registerMessages(app: FastifyInstance, deps: MessagesRouteDeps): void {
  const gate = new RouteGate(deps)
  void app.register(async (scope) => {
    scope.setErrorHandler((err: FastifyError | AppError, _req, reply) => {
      const e = deps.toAppError(err)
      if (!deps.traced.has(err)) deps.rejected(e.code)
      if (e.options.retryAfterMs !== undefined)
        reply.header('retry-after', String(Math.ceil(e.options.retryAfterMs / 1000)))
      reply.code(e.status).send(anthropicError(e))
    })
    scope.post('/v1/messages', async (req, reply) => {
      const body = parseBody(MessagesRequestSchema, req.body)
      const chat = toChatRequest(body)
      await gate.answer({ reply, deps, req, body, chat }, { whole, streamed })
    })
  })
}

async function whole({
  reply,
  deps,
  req,
  run,
  body,
  chat
}: ChatCall<MessagesRequest>): Promise<void> {
  const { text, calls, result } = await collectAnswer(deps, req, run, chat)
  const content: Record<string, unknown>[] = []
  if (text) content.push({ type: 'text', text })
  for (const c of calls) content.push(toolUse(c))
  sendJsonAnswer(reply, run.requestId, result.route, {
    id: `msg_${run.answerId}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: calls.length > 0 ? 'tool_use' : stopReason(result.finishReason),
    stop_sequence: null,
    usage: anthropicUsage(result.usage)
  })
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
  const send = (type: string, data: Record<string, unknown>): void => {
    if (!res.destroyed) res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)
  }
  // The open content block: text, or a tool call by its position among the calls.
  let open: { index: number; call?: number } | undefined
  let blocks = 0
  const close = (): void => {
    if (open) send('content_block_stop', { index: open.index })
    open = undefined
  }
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
      if (d.content) {
        if (!open || open.call !== undefined) {
          close()
          open = { index: blocks++ }
          send('content_block_start', {
            index: open.index,
            content_block: { type: 'text', text: '' }
          })
        }
        send('content_block_delta', {
          index: open.index,
          delta: { type: 'text_delta', text: d.content }
        })
      }
      if (d.toolCalls) {
        calls.add(d.toolCalls, (position, call, isNew, args) => {
          if (isNew || open?.call !== position) {
            close()
            open = { index: blocks++, call: position }
            send('content_block_start', {
              index: open.index,
              content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} }
            })
          }
          if (args)
            send('content_block_delta', {
              index: open.index,
              delta: { type: 'input_json_delta', partial_json: args }
            })
        })
      }
    }
  }
  try {
    const result = await runChat(deps, req, run, chat, sink)
    if (!started) return
    close()
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
  if (!res.destroyed) res.end()
}
