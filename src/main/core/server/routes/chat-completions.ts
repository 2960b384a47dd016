/**
 * @module POST /v1/chat/completions: validates the body, picks the pipeline by `model`, runs the
 * engine, and answers as JSON or as SSE. Errors before the first byte get a real status code;
 * errors after it become an error event followed by `[DONE]`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ChatCompletion, ChoiceLogprobs } from '../../../../shared/openai/chat'
import type { FunctionCall } from '../../providers/provider'
import type { StreamDelta } from '../../engine/ports'
import { runPipeline, type EngineDeps, type EngineSink, type RunInput } from '../../engine/engine'
import { AppError } from '../../errors'
import { notServed } from '../../pipelines/addressing'
import { requestApp } from '../app-access'
import { parseChatRequest } from '../request-body'
import { shuttingDown } from '../in-flight'
import { ChunkWriter } from '../sse'
import { type EngineRouteDeps, RouteGate, type RouteRun } from './engine-route'

/** What the chat route needs: the same as every engine route. */
export type ChatRouteDeps = EngineRouteDeps

/**
 * Takes the answer from whoever received the request, just before its head is written; returns
 * headers already set for it (CORS). The server's fast lane has none to give.
 */
export type ClaimAnswer = () => Record<string, string> | undefined

/**
 * Answers one chat completion request whose body is parsed JSON: validates it, picks the
 * pipeline by `model`, runs the engine and writes the answer on `res`. Errors before the answer
 * starts are thrown, for the caller to answer with a status; later ones go into the stream.
 */
export type ChatHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  json: unknown,
  claim: ClaimAnswer
) => Promise<void>

/** The chat route's work, shared by its Fastify route and the server's fast lane (fast-lane.ts). */
export function chatHandler(deps: ChatRouteDeps): ChatHandler {
  // The server's one admission gate, shared with every other /v1 route (see in-flight.ts).
  const gate = new RouteGate(deps)
  // Not an async function: the gate's promise is the handler's (one async frame fewer per request).
  return (req, res, json, claim) => {
    if (deps.inflight.draining) throw shuttingDown()
    const body = parseChatRequest(json)
    const pipeline = deps.pipelines.resolve(body.model)
    if (!pipeline) throw notServed(deps.pipelines, body.model)
    // The run stays in flight until its answer has left (or the client left): shutdown waits
    // for that before it closes the connections.
    return gate.run(req, res, (run) => {
      const input: RunInput = {
        pipeline,
        request: body,
        requestId: run.requestId,
        headers: req.headers,
        signal: run.signal,
        stream: body.stream === true,
        app: requestApp(req)
      }
      return input.stream
        ? streamResponse(
            res,
            claim,
            deps.engine,
            input,
            completionId(run),
            body.stream_options?.include_usage === true
          )
        : jsonResponse(res, claim, deps.engine, input, completionId(run))
    })
  }
}

export function registerChatCompletions(app: FastifyInstance, handle: ChatHandler): void {
  // Fastify answers a synchronous throw through the error handler like a rejection.
  app.post('/v1/chat/completions', (req, reply) =>
    handle(req.raw, reply.raw, req.body, () => {
      reply.hijack()
      return corsHeaders(reply)
    })
  )
}

/**
 * A fresh id per completion: clients key answers by their id. A request id the client sent may be
 * reused by it, so only one this server made (a new UUID) also serves as the completion's.
 */
function completionId(run: RouteRun): string {
  return `chatcmpl-${run.answerUuid()}`
}

/** Streamed log probabilities joined into one choice's (each list concatenated). */
function joinLogprobs(a: ChoiceLogprobs | null, b: ChoiceLogprobs): ChoiceLogprobs {
  if (!a) return b
  const join = (x: unknown[] | null | undefined, y: unknown[] | null | undefined) =>
    x && y ? [...x, ...y] : (x ?? y)
  return { ...a, ...b, content: join(a.content, b.content), refusal: join(a.refusal, b.refusal) }
}

/** A legacy function call's streamed pieces joined. */
function joinCall(a: FunctionCall | undefined, b: FunctionCall): FunctionCall {
  if (!a) return { ...b }
  return {
    name: (a.name ?? '') + (b.name ?? ''),
    arguments: (a.arguments ?? '') + (b.arguments ?? '')
  }
}

/**
 * The pieces of a whole (not streamed) answer, gathered from the engine's deltas. A class rather
 * than a sink of closures over local variables: one object per request instead of five.
 */
class WholeAnswer implements EngineSink {
  content = ''
  toolCalls: unknown[] | undefined = undefined
  reasoningContent: string | undefined = undefined
  reasoning: string | undefined = undefined
  logprobs: ChoiceLogprobs | null = null
  fingerprint: string | undefined = undefined
  functionCall: FunctionCall | undefined = undefined

  start(_route: string[], fingerprint?: string): void {
    this.fingerprint = fingerprint
  }

  delta(d: StreamDelta): void {
    if (d.content) this.content += d.content
    if (d.toolCalls)
      this.toolCalls = this.toolCalls ? [...this.toolCalls, ...d.toolCalls] : d.toolCalls
    if (d.reasoningContent)
      this.reasoningContent = (this.reasoningContent ?? '') + d.reasoningContent
    if (d.reasoning) this.reasoning = (this.reasoning ?? '') + d.reasoning
    if (d.logprobs) this.logprobs = joinLogprobs(this.logprobs, d.logprobs)
    if (d.functionCall) this.functionCall = joinCall(this.functionCall, d.functionCall)
  }
}

/** Written straight to the socket: Fastify's generic reply path costs more than the answer. */
async function jsonResponse(
  res: ServerResponse,
  claim: ClaimAnswer,
  engine: EngineDeps,
  input: RunInput,
  id: string
): Promise<void> {
  const a = new WholeAnswer()
  const result = await runPipeline(engine, input, a)
  const fingerprint = result.systemFingerprint ?? a.fingerprint
  // Built field by field rather than with conditional spreads: the answer's objects keep one
  // shape, which JSON.stringify walks fastest (it showed among the top lines of a profile).
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: (a.toolCalls || a.functionCall) && !a.content ? null : a.content
  }
  if (a.reasoningContent !== undefined) message.reasoning_content = a.reasoningContent
  if (a.reasoning !== undefined) message.reasoning = a.reasoning
  if (a.toolCalls) message.tool_calls = a.toolCalls as NonNullable<typeof message.tool_calls>
  if (a.functionCall) message.function_call = a.functionCall
  const completion: ChatCompletion = {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: input.request.model,
    choices: [
      { index: 0, message, finish_reason: result.finishReason ?? 'stop', logprobs: a.logprobs }
    ],
    usage: result.usage
  }
  if (fingerprint) completion.system_fingerprint = fingerprint
  const json = JSON.stringify(completion)
  const given = claim()
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'x-request-id': input.requestId,
    'x-llmnet-route': result.route.join('>')
  }
  if (given) Object.assign(headers, given)
  res.writeHead(200, headers)
  res.end(json)
}

/**
 * Nothing is sent until the engine starts the final answer, so earlier failures keep their HTTP
 * status; after that, a failure becomes an SSE error event followed by `[DONE]`.
 */
async function streamResponse(
  res: ServerResponse,
  claim: ClaimAnswer,
  engine: EngineDeps,
  input: RunInput,
  id: string,
  includeUsage: boolean
): Promise<void> {
  let out: ChunkWriter | undefined
  const sink: EngineSink = {
    start(route, fingerprint) {
      const given = claim()
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        // No Connection header of our own: node:http then honours a client's `Connection: close`.
        'x-request-id': input.requestId,
        'x-llmnet-route': route.join('>'),
        ...given
      })
      out = new ChunkWriter(
        res,
        id,
        Math.floor(Date.now() / 1000),
        input.request.model,
        fingerprint
      )
      return out.role()
    },
    delta(d) {
      if (!out) return
      if (d.reasoningContent || d.reasoning || d.logprobs || d.functionCall) return out.full(d)
      const a = d.content ? out.content(d.content) : undefined
      const b = d.toolCalls?.length ? out.toolCalls(d.toolCalls) : undefined
      return a && b ? Promise.all([a, b]).then(() => undefined) : (a ?? b)
    }
  }
  try {
    const result = await runPipeline(engine, input, sink)
    if (!out) return
    await out.finish(result.finishReason)
    if (includeUsage) await out.usage(result.usage)
  } catch (err) {
    if (!out) throw err
    if (!res.destroyed) await out.error(AppError.from(err).toBody())
  }
  out.done()
}

/** CORS headers set by the onRequest hook must be copied onto a hijacked response. */
function corsHeaders(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of ['access-control-allow-origin', 'access-control-expose-headers', 'vary']) {
    const v = reply.getHeader(name)
    if (typeof v === 'string') out[name] = v
  }
  return out
}
