/**
 * @module POST /v1/responses: OpenAI's Responses API mapped onto the pipeline. The input (after
 * the stored conversation of `previous_response_id` and any `item_reference`) becomes chat
 * messages and tools (responses.ts in shared), the engine runs them, and the answer comes back as
 * a `response` object, or streamed as its event sequence: response.created, response.in_progress,
 * then per output item output_item.added, its deltas (reasoning summary and text, output text,
 * function call arguments) and done events, and response.completed; every event carries a
 * `sequence_number`. Responses are stored unless `store: false`; GET and DELETE
 * /v1/responses/{id} read and remove them.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import {
  type ChatCompletionRequest,
  type ChatMessage,
  forwardedParams
} from '../../../../shared/openai/chat'
import {
  FieldError,
  itemType,
  refusedField,
  RESPONSES_OWNED_FIELDS,
  responseFormat,
  type ResponseInputItem,
  type ResponsesRequest,
  ResponsesRequestSchema,
  responsesToMessages
} from '../../../../shared/openai/responses'
import type { ResponseOutputItem } from '../../../../shared/openai/responses-output'
import { mapTools, type MappedTools } from '../../../../shared/openai/responses-tools'
import type { EngineSink } from '../../engine/engine'
import { AppError } from '../../errors'
import type { ResponseStore } from '../../responses/response-store'
import { parseBody } from './body'
import {
  responseObject,
  incompleteReason,
  messageItem,
  tokenLogprobs,
  reasoningItem,
  callItem
} from './responses-items'
import {
  answerHeaders,
  type EngineRouteDeps,
  type ChatCall,
  RouteGate,
  runChat,
  type ToolCall,
  ToolCallCollector,
  unixNow
} from './engine-route'
import { StreamWriter } from '../sse'

export interface ResponsesRouteDeps extends EngineRouteDeps {
  /** Where stored responses go (memory under `run`, SQLite under `serve` and the app). */
  responses: ResponseStore
}

/** The header that names the hosted tools left out of what the model saw. */
export const DROPPED_TOOLS_HEADER = 'x-llmnet-dropped-tools'

/** A request after its conversation and tools were worked out. */
interface Prepared {
  body: ResponsesRequest
  /** This request's input items, references resolved (what a stored response keeps). */
  input: ResponseInputItem[]
  /** The stored conversation this one continues. */
  history: ResponseInputItem[]
  tools: MappedTools
  store: ResponseStore
}

function asItems(input: ResponsesRequest['input']): ResponseInputItem[] {
  if (typeof input !== 'string') return input
  return [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }]
}

function prepare(
  body: ResponsesRequest,
  store: ResponseStore
): { p: Prepared; chat: ChatCompletionRequest } {
  const refused = refusedField(body)
  if (refused) throw refused
  let history: ResponseInputItem[] = []
  if (body.previous_response_id != null) {
    const previous = store.get(body.previous_response_id)
    if (!previous)
      throw new FieldError(
        `no stored response "${body.previous_response_id}": responses are kept when created with store: true (the default), ` +
          'in memory under llmnet run (the newest 500) and in the data folder under serve and the app',
        'previous_response_id'
      )
    history = previous.items
  }
  const own = asItems(body.input)
  const resolve = (id: string): ResponseInputItem | undefined =>
    history.find((i) => i.id === id) ?? store.item(id)
  // History items were resolved when stored: only this request's references need the store.
  const mappedOwn = responsesToMessages(body.instructions, own, resolve)
  const mappedHistory = responsesToMessages(null, history)
  const input = own.map((item) =>
    itemType(item) === 'item_reference' ? (resolve(String(item.id)) as ResponseInputItem) : item
  )
  const tools = mapTools(
    [...(body.tools ?? []), ...mappedHistory.tools, ...mappedOwn.tools],
    body.tool_choice
  )
  const [system, rest] = body.instructions
    ? [mappedOwn.messages.slice(0, 1), mappedOwn.messages.slice(1)]
    : [[], mappedOwn.messages]
  const messages: ChatMessage[] = [...system, ...mappedHistory.messages, ...rest]
  const format = responseFormat(body)
  const forwarded = forwardedParams(body)
  for (const key of RESPONSES_OWNED_FIELDS) delete forwarded[key]
  const chat: ChatCompletionRequest = {
    ...forwarded,
    model: body.model,
    messages,
    stream: body.stream === true,
    ...(tools.tools ? { tools: tools.tools } : {}),
    ...(tools.tool_choice !== undefined ? { tool_choice: tools.tool_choice } : {}),
    ...(body.max_output_tokens != null && { max_tokens: body.max_output_tokens }),
    ...(format && { response_format: format }),
    ...(body.text?.verbosity != null && { verbosity: body.text.verbosity }),
    ...(body.reasoning?.effort != null && { reasoning_effort: body.reasoning.effort }),
    ...(body.top_logprobs != null && { logprobs: true, top_logprobs: body.top_logprobs })
  }
  return { p: { body, input, history, tools, store }, chat }
}

/** Stores the exchange (unless `store: false`): the conversation, then this answer's items. */
function keep(
  p: Prepared,
  id: string,
  created: number,
  output: ResponseOutputItem[],
  response: Record<string, unknown>
): void {
  if (p.body.store === false) return
  const items = [...p.history, ...p.input, ...(output as unknown as ResponseInputItem[])]
  p.store.put({ id, createdAt: created, items, response })
}

function withDropped(headers: Record<string, string>, tools: MappedTools): Record<string, string> {
  if (tools.dropped.length > 0) headers[DROPPED_TOOLS_HEADER] = tools.dropped.join(', ')
  return headers
}

export function registerResponses(app: FastifyInstance, deps: ResponsesRouteDeps): void {
  const gate = new RouteGate(deps)
  const store = deps.responses
  app.post('/v1/responses', async (req, reply) => {
    const body = parseBody(ResponsesRequestSchema, req.body)
    let prepared: ReturnType<typeof prepare>
    try {
      prepared = prepare(body, store)
    } catch (err) {
      if (err instanceof FieldError)
        throw new AppError('invalid_request', err.message, { param: err.param })
      throw err
    }
    const { p, chat } = prepared
    await gate.answer(
      { reply, deps, req, body, chat },
      { whole: (c) => whole(c, p), streamed: (c) => streamed(c, p) }
    )
  })
  app.get<{ Params: { id: string } }>('/v1/responses/:id', async (req) => {
    const found = store.get(req.params.id)
    if (!found) throw notFound(req.params.id)
    return found.response
  })
  app.delete<{ Params: { id: string } }>('/v1/responses/:id', async (req) => {
    if (!store.delete(req.params.id)) throw notFound(req.params.id)
    return { id: req.params.id, object: 'response.deleted', deleted: true }
  })
}

function notFound(id: string): AppError {
  return new AppError('not_found', `no stored response "${id}"`, { param: 'id' })
}

/** What the engine answered, gathered whole. */
async function collect(c: ChatCall<ResponsesRequest>) {
  let text = ''
  let reasoning = ''
  const logprobs: unknown[] = []
  const calls = new ToolCallCollector()
  const result = await runChat(c.deps, c.req, c.run, c.chat, {
    start() {},
    delta(d) {
      if (d.reasoningContent) reasoning += d.reasoningContent
      if (d.reasoning) reasoning += d.reasoning
      if (d.content) text += d.content
      logprobs.push(...tokenLogprobs(d))
      if (d.toolCalls) calls.add(d.toolCalls)
    }
  })
  return { text, reasoning, logprobs, calls: calls.calls, result }
}

function sendJson(reply: FastifyReply, headers: Record<string, string>, body: unknown): void {
  const json = JSON.stringify(body)
  reply.hijack()
  reply.raw.writeHead(200, { ...headers, 'content-length': String(Buffer.byteLength(json)) })
  reply.raw.end(json)
}

async function whole(c: ChatCall<ResponsesRequest>, p: Prepared): Promise<void> {
  const created = unixNow()
  const { text, reasoning, logprobs, calls, result } = await collect(c)
  const id = `resp_${c.run.answerId}`
  const output: ResponseOutputItem[] = []
  if (reasoning) output.push(reasoningItem(`rs_${c.run.answerId}`, reasoning, 'completed'))
  if (text || calls.length === 0)
    output.push(messageItem(`msg_${c.run.answerId}`, text, 'completed', logprobs))
  calls.forEach((call, i) =>
    output.push(callItem(`fc_${c.run.answerId}_${i}`, call, 'completed', p.tools))
  )
  const incomplete = incompleteReason(result.finishReason)
  const response = responseObject(
    id,
    created,
    p,
    incomplete ? 'incomplete' : 'completed',
    output,
    result.usage,
    incomplete ? { incomplete_details: { reason: incomplete } } : {}
  )
  keep(p, id, created, output, response)
  const headers = answerHeaders(
    c.reply,
    c.run.requestId,
    result.route,
    'application/json; charset=utf-8'
  )
  sendJson(c.reply, withDropped(headers, p.tools), response)
}

/** Writes the Responses event stream; each event is `event: <type>` with its JSON. */
class ResponseEvents {
  private seq = 0
  readonly output: ResponseOutputItem[] = []
  private text = ''
  private readonly logprobs: unknown[] = []
  private messageIndex: number | undefined
  /** The open reasoning item: its index in the output and its text. */
  private thinking: { index: number; text: string } | undefined
  private reasoningCount = 0
  private readonly callIndex = new Map<number, number>()

  constructor(
    private readonly write: (s: string) => void,
    private readonly answerId: string,
    private readonly tools: MappedTools
  ) {}

  event(type: string, data: Record<string, unknown>): void {
    const payload = JSON.stringify({ type, sequence_number: this.seq++, ...data })
    this.write(`event: ${type}\ndata: ${payload}\n\n`)
  }

  reasoning(delta: string): void {
    if (!this.thinking) {
      const index = this.output.length
      const id = `rs_${this.answerId}${this.reasoningCount++ ? `_${this.reasoningCount}` : ''}`
      const item = reasoningItem(id, '', 'in_progress')
      this.output.push(item)
      this.thinking = { index, text: '' }
      this.event('response.output_item.added', { output_index: index, item })
      this.event('response.reasoning_summary_part.added', {
        item_id: id,
        output_index: index,
        summary_index: 0,
        part: { type: 'summary_text', text: '' }
      })
    }
    const { index } = this.thinking
    const id = (this.output[index] as { id: string }).id
    this.thinking.text += delta
    const at = { item_id: id, output_index: index }
    this.event('response.reasoning_summary_text.delta', { ...at, summary_index: 0, delta })
    this.event('response.reasoning_text.delta', { ...at, content_index: 0, delta })
  }

  /** Closes the open reasoning item (its done events), when something else begins. */
  private endReasoning(): void {
    const t = this.thinking
    if (!t) return
    this.thinking = undefined
    const id = (this.output[t.index] as { id: string }).id
    const at = { item_id: id, output_index: t.index }
    this.event('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: t.text })
    this.event('response.reasoning_summary_part.done', {
      ...at,
      summary_index: 0,
      part: { type: 'summary_text', text: t.text }
    })
    this.event('response.reasoning_text.done', { ...at, content_index: 0, text: t.text })
    const done = reasoningItem(id, t.text, 'completed')
    this.output[t.index] = done
    this.event('response.output_item.done', { output_index: t.index, item: done })
  }

  text_(delta: string, logprobs: unknown[] = []): void {
    this.endReasoning()
    if (this.messageIndex === undefined) {
      this.messageIndex = this.output.length
      const item = messageItem(`msg_${this.answerId}`, '', 'in_progress')
      this.output.push(item)
      this.event('response.output_item.added', { output_index: this.messageIndex, item })
      this.event('response.content_part.added', {
        item_id: item.id,
        output_index: this.messageIndex,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] }
      })
    }
    this.text += delta
    this.logprobs.push(...logprobs)
    this.event('response.output_text.delta', {
      item_id: `msg_${this.answerId}`,
      output_index: this.messageIndex,
      content_index: 0,
      delta,
      logprobs
    })
  }

  call(position: number, call: ToolCall, started: boolean, args: string): void {
    this.endReasoning()
    const itemId = `fc_${this.answerId}_${position}`
    if (started) {
      const index = this.output.length
      this.callIndex.set(position, index)
      const item = callItem(itemId, call, 'in_progress', this.tools)
      this.output.push(item)
      this.event('response.output_item.added', { output_index: index, item })
    }
    const index = this.callIndex.get(position) as number
    const item = this.output[index] as { type: string; id: string }
    // A freeform tool's input is only known whole (the model writes it inside a JSON object).
    if (args && item.type === 'function_call') {
      this.event('response.function_call_arguments.delta', {
        item_id: itemId,
        output_index: index,
        delta: args
      })
    }
  }

  /** Closes every open item (done events), in output order. */
  finish(calls: ToolCall[]): void {
    this.endReasoning()
    if (this.messageIndex === undefined && calls.length === 0) this.text_('')
    this.output.forEach((item, index) => {
      if (item.type === 'message') {
        const done = messageItem(item.id, this.text, 'completed', this.logprobs)
        const part = (done as { content: unknown[] }).content[0]
        const at = { item_id: item.id, output_index: index, content_index: 0 }
        this.event('response.output_text.done', { ...at, text: this.text, logprobs: this.logprobs })
        this.event('response.content_part.done', { ...at, part })
        this.output[index] = done
        this.event('response.output_item.done', { output_index: index, item: done })
      } else if (item.type === 'function_call' || item.type === 'custom_tool_call') {
        const position = [...this.callIndex].find(([, i]) => i === index)?.[0] as number
        const done = callItem(
          `fc_${this.answerId}_${position}`,
          calls[position] as ToolCall,
          'completed',
          this.tools
        )
        const at = { item_id: done.id, output_index: index }
        if (done.type === 'custom_tool_call') {
          this.event('response.custom_tool_call_input.delta', { ...at, delta: done.input })
          this.event('response.custom_tool_call_input.done', { ...at, input: done.input })
        } else if (done.type === 'function_call') {
          this.event('response.function_call_arguments.done', {
            ...at,
            name: done.name,
            arguments: done.arguments
          })
        }
        this.output[index] = done
        this.event('response.output_item.done', { output_index: index, item: done })
      }
    })
  }

  /** The output as far as it went, for a failed response: what was sent stays in it. */
  partial(calls: ToolCall[]): ResponseOutputItem[] {
    return this.output.map((item) => {
      if (item.type === 'message') return messageItem(item.id, this.text, 'incomplete')
      if (item.type === 'reasoning' && item.status === 'in_progress')
        return reasoningItem(item.id, this.thinking?.text ?? '', 'incomplete')
      if (item.type === 'function_call' || item.type === 'custom_tool_call') {
        const index = this.output.indexOf(item)
        const position = [...this.callIndex].find(([, i]) => i === index)?.[0] as number
        const call = calls[position]
        return call
          ? callItem(`fc_${this.answerId}_${position}`, call, 'incomplete', this.tools)
          : item
      }
      return item
    })
  }
}

async function streamed(c: ChatCall<ResponsesRequest>, p: Prepared): Promise<void> {
  const { reply, run } = c
  const res = reply.raw
  const id = `resp_${run.answerId}`
  const created = unixNow()
  let events: ResponseEvents | undefined
  const calls = new ToolCallCollector()
  const writer = new StreamWriter(res)
  const write = (s: string): void => writer.write(s)
  const sink: EngineSink = {
    start(route) {
      reply.hijack()
      const headers = answerHeaders(reply, run.requestId, route, 'text/event-stream; charset=utf-8')
      res.writeHead(200, withDropped(headers, p.tools))
      events = new ResponseEvents(write, run.answerId, p.tools)
      const initial = responseObject(id, created, p, 'in_progress', [], null)
      events.event('response.created', { response: initial })
      events.event('response.in_progress', { response: initial })
    },
    delta(d) {
      const ev = events
      if (!ev) return
      if (d.reasoningContent) ev.reasoning(d.reasoningContent)
      if (d.reasoning) ev.reasoning(d.reasoning)
      if (d.content) ev.text_(d.content, tokenLogprobs(d))
      if (d.toolCalls) calls.add(d.toolCalls, (pos, call, s, a) => ev.call(pos, call, s, a))
      // A slow reader holds the upstream back instead of the answer piling up in memory.
      return writer.wait()
    }
  }
  try {
    const result = await runChat(c.deps, c.req, run, c.chat, sink)
    if (!events) return
    events.finish(calls.calls)
    const incomplete = incompleteReason(result.finishReason)
    const response = responseObject(
      id,
      created,
      p,
      incomplete ? 'incomplete' : 'completed',
      events.output,
      result.usage,
      incomplete ? { incomplete_details: { reason: incomplete } } : {}
    )
    keep(p, id, created, events.output, response)
    events.event(incomplete ? 'response.incomplete' : 'response.completed', { response })
  } catch (err) {
    if (!events) throw err
    const e = AppError.from(err)
    events.event('error', { code: e.code, message: e.message, param: e.options.param ?? null })
    events.event('response.failed', {
      response: responseObject(id, created, p, 'failed', events.partial(calls.calls), null, {
        error: { code: e.code, message: e.message }
      })
    })
  }
  writer.end()
}
