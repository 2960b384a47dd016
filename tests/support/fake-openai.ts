/**
 * A real HTTP server on port 0 that speaks the OpenAI chat-completions protocol (JSON and SSE)
 * and records every request, so tests can check system prompts, history, model names and
 * parameters. It stands in for upstream model servers we cannot run here.
 */
import { EventEmitter, once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  path: string
  headers: IncomingHttpHeaders
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary wire JSON
  body: any
  /** The client went away before the answer was complete. */
  aborted: boolean
}

export interface FakeReply {
  content?: string
  /** Stream the content in these pieces (default: word by word). */
  chunks?: string[]
  toolCalls?: unknown[]
  status?: number
  error?: string
  retryAfter?: number
  /** Wait before answering (ms). */
  delayMs?: number
  /** Wait this long between streamed chunks (ms). */
  chunkDelayMs?: number
  /** Never answer (for timeouts and cancellation). */
  hang?: boolean
  usage?: {
    prompt_tokens: number
    completion_tokens: number
    total_tokens: number
    completion_tokens_details?: Record<string, number>
  }
  /** The model's thinking, sent as `reasoning_content` (streamed before the content, by word). */
  reasoningContent?: string
  /** The model's thinking under vLLM's and Ollama's newer name, `reasoning`. */
  reasoning?: string
  /** `choices[0].logprobs.content` entries; streamed one per content chunk (in order). */
  logprobs?: unknown[]
  systemFingerprint?: string
  /** A legacy `function_call` (streamed as its name, then its arguments). */
  functionCall?: { name: string; arguments: string }
  /** With `status`: the error's `code`, `param` and `type` (default type server_error). */
  errorCode?: string | number
  errorParam?: string
  errorType?: string
  /** Destroy the socket after this many streamed chunks. */
  dropAfterChunks?: number
  /** After the streamed chunks, send an SSE error event with this message and end (no [DONE]). */
  streamError?: string
  /** Send this many streamed chunks, then nothing more while keeping the connection open. */
  stallAfterChunks?: number
  /** The `finish_reason` (default: `tool_calls`, `function_call` or `stop`, as the reply is). */
  finishReason?: string
}

export type Responder = (req: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>

export interface FakeUpstream {
  /** Base URL without /v1. */
  url: string
  requests: RecordedRequest[]
  events: EventEmitter
  setResponder(r: Responder): void
  close(): Promise<void>
}

const lastUser = (body: RecordedRequest['body']): string => {
  const msgs = (body?.messages ?? []) as { role: string; content: string }[]
  return [...msgs].reverse().find((m) => m.role === 'user')?.content ?? ''
}

/** Routes to the first offered option; otherwise answers "<model> says: <last user text>". */
export const defaultResponder: Responder = (req) => {
  const schema = req.body?.response_format?.json_schema?.schema
  if (schema) return { content: JSON.stringify({ route: schema.properties.route.enum[0] }) }
  return { content: `${req.body?.model} says: ${lastUser(req.body)}` }
}

/**
 * The fake's embedding of a text: `[length, sum of char codes / 1000, 1]`, padded or cut to
 * `dimensions` — deterministic, so tests can check the numbers that came back.
 */
export function fakeEmbedding(text: string, dimensions = 3): number[] {
  const base = [text.length, [...text].reduce((a, c) => a + c.charCodeAt(0), 0) / 1000, 1]
  return Array.from({ length: dimensions }, (_, i) => base[i] ?? 0)
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON
function embeddingsAnswer(body: any): unknown {
  const inputs: unknown[] = typeof body.input === 'string' ? [body.input] : body.input
  const data = inputs.map((input, index) => ({
    object: 'embedding',
    index,
    embedding: fakeEmbedding(
      typeof input === 'string' ? input : JSON.stringify(input),
      body.dimensions ?? 3
    )
  }))
  return {
    object: 'list',
    data,
    model: body.model,
    usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 }
  }
}

/** The fake's completion of a legacy prompt: `<model> fills: <prompt>…<suffix>`. */
export function fakeCompletionText(body: {
  model?: string
  prompt?: unknown
  suffix?: unknown
}): string {
  const prompt = Array.isArray(body.prompt) ? body.prompt[0] : body.prompt
  return `${body.model} fills: ${String(prompt)}…${body.suffix ? String(body.suffix) : ''}`
}

async function answerCompletion(rec: RecordedRequest, res: ServerResponse): Promise<void> {
  const text = fakeCompletionText(rec.body)
  const usage = { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 }
  const base = { id: 'cmpl-fake', object: 'text_completion', created: 1, model: rec.body.model }
  if (!rec.body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        ...base,
        choices: [{ index: 0, text, finish_reason: 'stop', logprobs: null }],
        usage
      })
    )
    return
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  for (const piece of text.split(/(?<= )/))
    res.write(
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, text: piece, finish_reason: null, logprobs: null }] })}\n\n`
    )
  res.write(
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, text: '', finish_reason: 'stop', logprobs: null }] })}\n\n`
  )
  res.end('data: [DONE]\n\n')
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function startFakeUpstream(
  responder: Responder = defaultResponder
): Promise<FakeUpstream> {
  let respond = responder
  const requests: RecordedRequest[] = []
  const events = new EventEmitter()
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const rec: RecordedRequest = {
      path: req.url ?? '',
      headers: req.headers,
      body: text ? JSON.parse(text) : undefined,
      aborted: false
    }
    requests.push(rec)
    let finished = false
    res.on('close', () => {
      if (!finished) {
        rec.aborted = true
        events.emit('aborted', rec)
      }
    })
    events.emit('request', rec)
    if (req.method === 'GET' && req.url === '/v1/models') {
      finished = true
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ object: 'list', data: [] }))
      return
    }
    if (req.method === 'POST' && req.url === '/v1/embeddings') {
      finished = true
      const body = embeddingsAnswer(rec.body)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      return
    }
    const reply = await respond(rec, requests.length - 1)
    if (
      req.method === 'POST' &&
      req.url === '/v1/completions' &&
      !(reply.status && reply.status >= 400)
    ) {
      await answerCompletion(rec, res)
      finished = true
      return
    }
    if (reply.delayMs) await sleep(reply.delayMs)
    if (reply.hang) return
    if (reply.status && reply.status >= 400) {
      finished = true
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter)
      res.writeHead(reply.status, headers).end(
        JSON.stringify({
          error: {
            message: reply.error ?? 'fake failure',
            type: reply.errorType ?? 'server_error',
            ...(reply.errorCode !== undefined && { code: reply.errorCode }),
            ...(reply.errorParam !== undefined && { param: reply.errorParam })
          }
        })
      )
      return
    }
    const usage = reply.usage ?? { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }
    const content = reply.content ?? ''
    const base = {
      id: 'chatcmpl-fake',
      created: 1,
      model: rec.body?.model ?? 'fake',
      ...(reply.systemFingerprint !== undefined && { system_fingerprint: reply.systemFingerprint })
    }
    if (!rec.body?.stream) {
      finished = true
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          ...base,
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: reply.toolCalls ? null : content,
                tool_calls: reply.toolCalls,
                ...(reply.reasoningContent !== undefined && {
                  reasoning_content: reply.reasoningContent
                }),
                ...(reply.reasoning !== undefined && { reasoning: reply.reasoning }),
                ...(reply.functionCall && { function_call: reply.functionCall })
              },
              finish_reason: reply.finishReason
                ? reply.finishReason
                : reply.toolCalls
                  ? 'tool_calls'
                  : reply.functionCall
                    ? 'function_call'
                    : 'stop',
              logprobs: reply.logprobs ? { content: reply.logprobs, refusal: null } : null
            }
          ],
          usage
        })
      )
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const send = async (obj: unknown): Promise<void> => {
      if (res.destroyed) return
      if (!res.write(`data: ${JSON.stringify(obj)}\n\n`)) await once(res, 'drain')
    }
    await send({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]
    })
    for (const [field, text] of [
      ['reasoning_content', reply.reasoningContent],
      ['reasoning', reply.reasoning]
    ] as const) {
      for (const piece of text?.split(/(?<= )/) ?? [])
        await send({
          ...base,
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: { [field]: piece }, finish_reason: null }]
        })
    }
    const pieces = reply.chunks ?? content.split(/(?<= )/)
    let n = 0
    for (const piece of pieces) {
      if (reply.dropAfterChunks !== undefined && n >= reply.dropAfterChunks) {
        // Node corks a response's writes until the next tick: let the chunks already written
        // reach the wire first, or the client would see a connection closed before any byte.
        await new Promise((r) => setImmediate(r))
        res.socket?.destroy()
        return
      }
      if (reply.stallAfterChunks !== undefined && n >= reply.stallAfterChunks) return
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs)
      await send({
        ...base,
        object: 'chat.completion.chunk',
        choices: [
          {
            index: 0,
            delta: { content: piece },
            finish_reason: null,
            ...(reply.logprobs && { logprobs: { content: [reply.logprobs[n]], refusal: null } })
          }
        ]
      })
      n++
    }
    if (reply.streamError !== undefined) {
      await send({ error: { message: reply.streamError, type: 'server_error' } })
      finished = true
      res.end()
      return
    }
    if (reply.toolCalls)
      await send({
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { tool_calls: reply.toolCalls }, finish_reason: null }]
      })
    const fc = reply.functionCall
    for (const piece of fc ? [{ name: fc.name }, { arguments: fc.arguments }] : [])
      await send({
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { function_call: piece }, finish_reason: null }]
      })
    const finish =
      reply.finishReason ?? (reply.toolCalls ? 'tool_calls' : fc ? 'function_call' : 'stop')
    await send({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: {}, finish_reason: finish }]
    })
    if (rec.body?.stream_options?.include_usage)
      await send({ ...base, object: 'chat.completion.chunk', choices: [], usage })
    finished = true
    res.end('data: [DONE]\n\n')
    // Tests of backpressure wait for this: the whole stream was written.
    events.emit('finished', rec)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    events,
    setResponder(r) {
      respond = r
    },
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close').catch(() => undefined)
    }
  }
}
