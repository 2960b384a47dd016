/**
 * @module The engine's own API types: what a run needs ({@link EngineDeps}, over the ports of
 * ports.ts), what it is given ({@link RunInput}), where its answer goes ({@link EngineSink}) and
 * what it returns ({@link EngineResult}). engine.ts re-exports them.
 */
import type { ChatCompletionRequest, Usage } from '../../../shared/openai/chat'
import type { CancelSignal } from '../cancel'
import type { FunctionRunner, ObserveQueue } from './hooks'
import type { CompiledPipeline, ProviderResolver, StreamDelta, TraceSink } from './ports'
import type { Trace } from './trace'

export interface EngineDeps {
  providers: ProviderResolver
  /** Where each run's trace goes (the runtime's EventBus). */
  events: TraceSink
  /** Runs hook functions and ws outputs; required when a pipeline has hooks or ws nodes. */
  hooks?: { run: FunctionRunner; queue: ObserveQueue }
  /**
   * Keep each request's messages and final answer in its trace (for the request log and replay).
   * Off by default: the answer is then never accumulated on the request path.
   */
  recordExchanges?: boolean
}

export interface RunInput {
  pipeline: CompiledPipeline
  request: ChatCompletionRequest
  requestId: string
  headers: Readonly<Record<string, string | string[] | undefined>>
  signal: CancelSignal
  stream: boolean
  /** The app that asked (per-app access), recorded in the trace. */
  app?: string
}

/** Where the final answer goes: `start` once with the route, then the deltas. */
export interface EngineSink {
  /** `systemFingerprint`: the answering backend's, when it sent one. */
  start(route: string[], systemFingerprint?: string): void | Promise<void>
  /** A returned promise (backpressure) is awaited before the engine reads on. */
  delta(delta: StreamDelta): void | Promise<void>
}

export interface EngineResult {
  finishReason: string | null
  usage: Usage
  route: string[]
  trace: Trace
  systemFingerprint?: string
}
