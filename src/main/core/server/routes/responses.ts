/**
 * @module POST /v1/responses: OpenAI's Responses API mapped onto the pipeline. The input becomes
 * chat messages (responses.ts in shared), the engine runs them, and the answer comes back as a
 * `response` object, or streamed as its event sequence: response.created, response.in_progress,
 * then per output item output_item.added, content_part.added, output_text.delta…,
 * output_text.done, content_part.done, output_item.done (function calls: their arguments deltas),
 * and response.completed; every event carries a `sequence_number`. Nothing is stored, so
 * `previous_response_id` is refused.
 */
import type { FastifyInstance } from 'fastify'
import type { ChatCompletionRequest, Usage } from '../../../../shared/openai/chat'
import {
  type ResponseOutputItem,
  type ResponsesRequest,
  ResponsesRequestSchema,
  type ResponseUsage,
  responsesToMessages,
  responsesTools
} from '../../../../shared/openai/responses'
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
  ToolCallCollector,
  unixNow
} from './engine-route'

function toChatRequest(body: ResponsesRequest): ChatCompletionRequest {
  return {
    model: body.model,
    messages: responsesToMessages(body),
    stream: body.stream === true,
    ...responsesTools(body),
    ...(body.temperature != null && { temperature: body.temperature }),
    ...(body.top_p != null && { top_p: body.top_p }),
    ...(body.max_output_tokens != null && { max_tokens: body.max_output_tokens }),
    ...(body.parallel_tool_calls != null && { parallel_tool_calls: body.parallel_tool_calls })
  }
}

function responseUsage(u: Usage): ResponseUsage {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.total_tokens
  }
}

/** The response object, as sent whole or in response.created / response.completed. */
function responseObject(
  id: string,
  created: number,
  body: ResponsesRequest,
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed',
  output: ResponseOutputItem[],
  usage: Usage | null,
  extra: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    id,
    object: 'response',
    created_at: created,
    status,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: body.temperature ?? null,
    text: { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? null,
    truncation: 'disabled',
    usage: usage ? responseUsage(usage) : null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
    ...extra
  }
}

function messageItem(id: string, text: string, status: 'in_progress' | 'completed') {
  return {
    type: 'message' as const,
    id,
    status,
    role: 'assistant' as const,
    content:
      status === 'in_progress' ? [] : [{ type: 'output_text' as const, text, annotations: [] }]
  }
}

function callItem(id: string, call: ToolCall, status: 'in_progress' | 'completed') {
  return {
    type: 'function_call' as const,
    id,
    call_id: call.id,
    name: call.name,
    arguments: status === 'in_progress' ? '' : call.arguments,
    status
  }
}

export function registerResponses(app: FastifyInstance, deps: EngineRouteDeps): void {
  const gate = new RouteGate(deps)
  app.post('/v1/responses', async (req, reply) => {
    const body = parseBody(ResponsesRequestSchema, req.body)
    if (body.previous_response_id != null) {
      throw new AppError(
        'invalid_request',
        'previous_response_id is not supported: llmnet stores no responses; send the whole conversation as input',
        { param: 'previous_response_id' }
      )
    }
    const chat = toChatRequest(body)
    await gate.answer({ reply, deps, req, body, chat }, { whole, streamed })
  })
}

async function whole({
  reply,
  deps,
  req,
  run,
  body,
  chat
}: ChatCall<ResponsesRequest>): Promise<void> {
  const created = unixNow()
  const { text, calls, result } = await collectAnswer(deps, req, run, chat)
  const output: ResponseOutputItem[] = []
  if (text || calls.length === 0) output.push(messageItem(`msg_${run.answerId}`, text, 'completed'))
  calls.forEach((c, i) => output.push(callItem(`fc_${run.answerId}_${i}`, c, 'completed')))
  const incomplete = result.finishReason === 'length'
  sendJsonAnswer(
    reply,
    run.requestId,
    result.route,
    responseObject(
      `resp_${run.answerId}`,
      created,
      body,
      incomplete ? 'incomplete' : 'completed',
      output,
      result.usage,
      incomplete ? { incomplete_details: { reason: 'max_output_tokens' } } : {}
    )
  )
}

/** Writes the Responses event stream; each event is `event: <type>` with its JSON. */
class ResponseEvents {
  private seq = 0
  readonly output: ResponseOutputItem[] = []
  private text = ''
  private messageIndex: number | undefined
  private readonly callIndex = new Map<number, number>()

  constructor(
    private readonly write: (s: string) => void,
    private readonly id: string,
    private readonly answerId: string
  ) {}

  event(type: string, data: Record<string, unknown>): void {
    const payload = JSON.stringify({ type, sequence_number: this.seq++, ...data })
    this.write(`event: ${type}\ndata: ${payload}\n\n`)
  }

  text_(delta: string): void {
    if (this.messageIndex === undefined) {
      this.messageIndex = this.output.length
      const item = messageItem(`msg_${this.answerId}`, '', 'in_progress')
      this.output.push(item)
      this.event('response.output_item.added', { output_index: this.messageIndex, item })
      this.event('response.content_part.added', {
        item_id: item.id,
        output_index: this.messageIndex,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] }
      })
    }
    this.text += delta
    this.event('response.output_text.delta', {
      item_id: `msg_${this.answerId}`,
      output_index: this.messageIndex,
      content_index: 0,
      delta,
      logprobs: []
    })
  }

  call(position: number, call: ToolCall, started: boolean, args: string): void {
    const itemId = `fc_${this.answerId}_${position}`
    if (started) {
      const index = this.output.length
      this.callIndex.set(position, index)
      const item = callItem(itemId, call, 'in_progress')
      this.output.push(item)
      this.event('response.output_item.added', { output_index: index, item })
    }
    if (args) {
      this.event('response.function_call_arguments.delta', {
        item_id: itemId,
        output_index: this.callIndex.get(position),
        delta: args
      })
    }
  }

  /** Closes every open item (done events), in output order. */
  finish(calls: ToolCall[]): void {
    if (this.messageIndex === undefined && calls.length === 0) this.text_('')
    this.output.forEach((item, index) => {
      if (item.type === 'message') {
        const done = messageItem(item.id, this.text, 'completed')
        const part = done.content[0]
        const at = { item_id: item.id, output_index: index, content_index: 0 }
        this.event('response.output_text.done', { ...at, text: this.text, logprobs: [] })
        this.event('response.content_part.done', { ...at, part })
        this.output[index] = done
        this.event('response.output_item.done', { output_index: index, item: done })
      } else {
        const position = Number(item.id.slice(item.id.lastIndexOf('_') + 1))
        const done = callItem(item.id, calls[position] as ToolCall, 'completed')
        this.event('response.function_call_arguments.done', {
          item_id: item.id,
          output_index: index,
          name: done.name,
          arguments: done.arguments
        })
        this.output[index] = done
        this.event('response.output_item.done', { output_index: index, item: done })
      }
    })
  }
}

async function streamed({
  reply,
  deps,
  req,
  run,
  body,
  chat
}: ChatCall<ResponsesRequest>): Promise<void> {
  const res = reply.raw
  const id = `resp_${run.answerId}`
  const created = unixNow()
  let events: ResponseEvents | undefined
  const calls = new ToolCallCollector()
  const write = (s: string): void => {
    if (!res.destroyed) res.write(s)
  }
  const sink: EngineSink = {
    start(route) {
      reply.hijack()
      res.writeHead(
        200,
        answerHeaders(reply, run.requestId, route, 'text/event-stream; charset=utf-8')
      )
      events = new ResponseEvents(write, id, run.answerId)
      const initial = responseObject(id, created, body, 'in_progress', [], null)
      events.event('response.created', { response: initial })
      events.event('response.in_progress', { response: initial })
    },
    delta(d) {
      const ev = events
      if (!ev) return
      if (d.content) ev.text_(d.content)
      if (d.toolCalls) calls.add(d.toolCalls, (p, c, s, a) => ev.call(p, c, s, a))
    }
  }
  try {
    const result = await runChat(deps, req, run, chat, sink)
    if (!events) return
    events.finish(calls.calls)
    const incomplete = result.finishReason === 'length'
    events.event(incomplete ? 'response.incomplete' : 'response.completed', {
      response: responseObject(
        id,
        created,
        body,
        incomplete ? 'incomplete' : 'completed',
        events.output,
        result.usage,
        incomplete ? { incomplete_details: { reason: 'max_output_tokens' } } : {}
      )
    })
  } catch (err) {
    if (!events) throw err
    const e = AppError.from(err)
    events.event('error', { code: e.code, message: e.message, param: e.options.param ?? null })
    events.event('response.failed', {
      response: responseObject(id, created, body, 'failed', events.output, null, {
        error: { code: e.code, message: e.message }
      })
    })
  }
  if (!res.destroyed) res.end()
}
