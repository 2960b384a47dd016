/**
 * @module What the routes that map another API onto the pipeline engine (responses, messages,
 * completions, embeddings) share: the drain and concurrency checks, the request id, cancellation
 * when the client leaves, the run itself, the headers of a hijacked answer, and tool-call deltas
 * gathered into whole calls.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { ChatCompletionRequest } from '../../../../shared/openai/chat'
import { Cancellation } from '../../cancel'
import {
  type EngineDeps,
  type EngineResult,
  type EngineSink,
  runPipeline
} from '../../engine/engine'
import type { CompiledPipeline } from '../../engine/pipeline'
import { AppError } from '../../errors'
import { directPipeline, pipelineFor, requireAddress } from '../../pipelines/addressing'
import type { PipelineRegistry } from '../../pipelines/registry'
import { type EndpointProvider, hasEndpoints } from '../../providers/provider'
import { providerForNode } from '../../engine/redacting-provider'
import { requestApp } from '../app-access'
import type { InFlight } from '../in-flight'

/** What every route over the engine needs (chat, Responses, Messages, completions, embeddings). */
export interface EngineRouteDeps {
  pipelines: PipelineRegistry
  engine: EngineDeps
  maxConcurrent: number
  /** Requests being answered, for the shutdown drain. */
  inflight: InFlight
  /** Errors the engine already recorded in a trace (so metrics do not count them again). */
  traced: WeakSet<object>
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The client's `x-request-id` when valid, else undefined (the route makes one). */
export function clientRequestId(req: { headers: IncomingHttpHeaders }): string | undefined {
  const given = req.headers['x-request-id']
  const v = Array.isArray(given) ? given[0] : given
  return v && REQUEST_ID.test(v) ? v : undefined
}

/** One request in flight on a route: its id, its cancellation, and its end. */
export interface RouteRun {
  requestId: string
  signal: Cancellation
  /** Unique per answer even when a client reuses its request id. */
  answerId: string
  /** A UUID unique to this answer: the request id when this server made it, else a new one. */
  answerUuid(): string
}

/** One request of a route that maps its own API onto a chat run (Messages, Responses). */
export interface ChatCall<B> {
  reply: FastifyReply
  deps: EngineRouteDeps
  req: FastifyRequest
  run: RouteRun
  /** The request in the route's own API. */
  body: B
  /** The same request as a chat completion, for the engine. */
  chat: ChatCompletionRequest
}

/** How such a route answers: the whole answer at once, or its own event stream. */
export interface ChatAnswer<B> {
  whole(call: ChatCall<B>): Promise<void>
  streamed(call: ChatCall<B>): Promise<void>
}

/**
 * A route's door to the server's one admission gate ({@link InFlight.admit}): every `/v1` route
 * (chat completions included) admits through the same count, so `maxConcurrent` is one limit.
 */
export class RouteGate {
  constructor(private readonly deps: EngineRouteDeps) {}

  /** Runs a mapped chat request through the gate and answers it streamed or whole. */
  answer<B>(call: Omit<ChatCall<B>, 'run'>, answer: ChatAnswer<B>): Promise<void> {
    return this.run(call.req, call.reply.raw, (run) =>
      call.chat.stream ? answer.streamed({ ...call, run }) : answer.whole({ ...call, run })
    )
  }

  /**
   * Admits a request (503 while draining, 429 over the limit) and ties its cancellation to the
   * client's connection; `work` runs with it and the slot is freed after.
   */
  async run<T>(
    req: { headers: IncomingHttpHeaders },
    res: ServerResponse,
    work: (run: RouteRun) => Promise<T>
  ): Promise<T> {
    const deps = this.deps
    deps.inflight.admit(deps.maxConcurrent)
    const signal = new Cancellation()
    const entry = deps.inflight.add(signal)
    // 'close' is emitted once per response: `on` spares the wrapper `once` allocates.
    res.on('close', () => {
      deps.inflight.delete(entry)
      if (!res.writableFinished) signal.abort(new Error('client disconnected'))
    })
    try {
      const given = clientRequestId(req)
      return await work(new Run(given ?? randomUUID(), given === undefined, signal))
    } catch (err) {
      if (typeof err === 'object' && err !== null) deps.traced.add(err)
      throw err
    } finally {
      deps.inflight.release()
    }
  }
}

class Run implements RouteRun {
  private id: string | undefined
  constructor(
    readonly requestId: string,
    /** Whether `requestId` was made here (a fresh UUID) rather than given by the client. */
    private readonly fresh: boolean,
    readonly signal: Cancellation
  ) {}
  /** One UUID per request where possible: a client may reuse its own id, never ours. */
  answerUuid(): string {
    return this.fresh ? this.requestId : randomUUID()
  }
  /** Made when first asked for: the chat route never asks. */
  get answerId(): string {
    return (this.id ??= this.answerUuid().replace(/-/g, '').slice(0, 24))
  }
}

/** The pipeline a request's `model` names: a pipeline, or a direct model's synthetic one. */
export function pipelineOf(registry: PipelineRegistry, model: string): CompiledPipeline {
  return pipelineFor(requireAddress(registry, model))
}

/** Runs a chat request (mapped from another API) through the engine into `sink`. */
export function runChat(
  deps: EngineRouteDeps,
  req: FastifyRequest,
  run: RouteRun,
  request: ChatCompletionRequest,
  sink: EngineSink
): Promise<EngineResult> {
  return runPipeline(
    deps.engine,
    {
      pipeline: pipelineOf(deps.pipelines, request.model),
      request,
      requestId: run.requestId,
      headers: req.headers,
      signal: run.signal,
      stream: request.stream === true,
      app: requestApp(req.raw)
    },
    sink
  )
}

/** Runs a chat request and gathers its whole answer: the text and the tool calls. */
export async function collectAnswer(
  deps: EngineRouteDeps,
  req: FastifyRequest,
  run: RouteRun,
  request: ChatCompletionRequest
): Promise<{ text: string; calls: ToolCall[]; result: EngineResult }> {
  let text = ''
  const calls = new ToolCallCollector()
  const result = await runChat(deps, req, run, request, {
    start() {},
    delta(d) {
      if (d.content) text += d.content
      if (d.toolCalls) calls.add(d.toolCalls)
    }
  })
  return { text, calls: calls.calls, result }
}

/** Headers of a hijacked answer: ids, the route, and the headers set on the reply before. */
export function answerHeaders(
  reply: FastifyReply,
  requestId: string,
  route: string[],
  contentType: string
): Record<string, string> {
  const out: Record<string, string> = {
    'content-type': contentType,
    'x-request-id': requestId,
    'x-llmnet-route': route.join('>')
  }
  // The CORS headers the onRequest hook set, and the hosted tools a route dropped.
  for (const name of [
    'access-control-allow-origin',
    'vary',
    'access-control-expose-headers',
    'x-llmnet-dropped-tools'
  ]) {
    const v = reply.getHeader(name)
    if (typeof v === 'string') out[name] = v
  }
  if (contentType.startsWith('text/event-stream')) out['cache-control'] = 'no-cache'
  return out
}

/** Writes a whole JSON answer on the raw socket (the chat route's fast path does the same). */
export function sendJsonAnswer(
  reply: FastifyReply,
  requestId: string,
  route: string[],
  body: unknown
): void {
  const json = JSON.stringify(body)
  reply.hijack()
  reply.raw.writeHead(200, {
    ...answerHeaders(reply, requestId, route, 'application/json; charset=utf-8'),
    'content-length': String(Buffer.byteLength(json))
  })
  reply.raw.end(json)
}

/** A whole tool call, gathered from its streamed pieces. */
export interface ToolCall {
  id: string
  name: string
  arguments: string
}

interface CallDelta {
  index?: number
  id?: string
  function?: { name?: string; arguments?: string }
}

/**
 * Gathers OpenAI tool-call deltas into whole calls. Pieces are joined by `index`; a piece without
 * one continues the last call unless it brings a new `id` (a buffered answer's whole calls).
 * `onPiece` hears each piece as it arrives, with the call's position.
 */
export class ToolCallCollector {
  readonly calls: ToolCall[] = []
  private readonly byIndex = new Map<number, number>()

  add(
    deltas: unknown[],
    onPiece?: (position: number, call: ToolCall, started: boolean, args: string) => void
  ): void {
    for (const raw of deltas) {
      const d = raw as CallDelta
      let position: number | undefined =
        typeof d.index === 'number' ? this.byIndex.get(d.index) : undefined
      const last = this.calls.length - 1
      if (position === undefined && typeof d.index !== 'number' && last >= 0) {
        if (!d.id || d.id === this.calls[last]?.id) position = last
      }
      let started = false
      if (position === undefined) {
        position = this.calls.length
        this.calls.push({ id: d.id ?? `call_${randomUUID().slice(0, 8)}`, name: '', arguments: '' })
        if (typeof d.index === 'number') this.byIndex.set(d.index, position)
        started = true
      }
      const call = this.calls[position] as ToolCall
      if (d.function?.name) call.name += d.function.name
      const args = d.function?.arguments ?? ''
      call.arguments += args
      onPiece?.(position, call, started, args)
    }
  }
}

/** The current Unix time in seconds. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000)
}

/** A model the other endpoints (embeddings, completions) send to, and its upstream id. */
export interface EndpointModel {
  provider: EndpointProvider
  upstreamModel: string
  /** `PIPELINE/MODEL`, for the route header. */
  name: string
}

/**
 * The model that `model` names for embeddings and completions: `PIPELINE/MODEL`, or a pipeline
 * whose composition declares exactly one model. These endpoints bypass routing (a router cannot
 * pick an embedding), so a pipeline with several models is a 400 naming them.
 */
export function endpointModel(
  deps: EngineRouteDeps,
  model: string,
  what: 'embeddings' | 'completions'
): EndpointModel {
  const address = requireAddress(deps.pipelines, model)
  let key: string
  if (address.kind === 'model') key = address.modelKey
  else {
    const keys = Object.keys(address.pipeline.composition.models)
    if (keys.length !== 1 || keys[0] === undefined) {
      const p = address.pipeline.id
      throw new AppError(
        'invalid_request',
        `${what} need one model, and pipeline "${p}" has ${keys.length}: address one as ${keys.map((k) => `"${p}/${k}"`).join(', ')}`,
        { param: 'model' }
      )
    }
    key = keys[0]
  }
  const synthetic = directPipeline(address.pipeline, key)
  const node = synthetic.topology.entry
  if (!node) throw new AppError('internal_error', `no node for model "${key}"`)
  const { provider, model: upstreamModel } = providerForNode(deps.engine.providers, synthetic, node)
  if (!hasEndpoints(provider)) {
    throw new AppError(
      'invalid_request',
      `model "${address.pipeline.id}/${key}" does not serve ${what}`,
      {
        param: 'model'
      }
    )
  }
  return { provider, upstreamModel, name: `${address.pipeline.id}/${key}` }
}
