/**
 * @module The engine's ports: everything it needs from the outside, defined here so that the
 * engine imports nothing from providers/, local/, models/, server/, storage/, control/ or the
 * runtime. The adapters implement these (providers/ the {@link Provider}s and the default
 * {@link ProviderResolver}, local/ and models/ the {@link LocalModels}, secrets/ the
 * {@link SecretLookup}, the runtime's EventBus the {@link TraceSink}) and depend on the engine,
 * never the other way round. The compiled pipeline the engine hands back to them is here too.
 * Types only, apart from the two guards that read a provider's optional capabilities.
 */
import type { ArchitectureNode, Composition, ModelDefinition } from '../../../shared/config/schema'
import type { Topology } from '../../../shared/config/topology'
import type { ChatMessage, ChoiceLogprobs, Usage } from '../../../shared/openai/chat'
import type { Trace } from '../../../shared/trace'
import type { CancelSignal } from '../cancel'

// ---- Providers: one backend that speaks chat completions (providers/, local/, models/).

export interface ProviderRequest {
  /** The model id sent upstream. */
  model: string
  messages: ChatMessage[]
  /** Sampling and tool parameters, passed through as given. */
  params: Record<string, unknown>
  /**
   * Constrained choice for routing: the backend should answer `{"route": "<one of options>"}`,
   * using its grammar/JSON-schema support when it has one.
   */
  choice?: { options: readonly string[] }
}

export interface ProviderResponse {
  content: string | null
  toolCalls?: unknown[]
  /** The model's thinking, under the name the backend used (`reasoning_content` or `reasoning`). */
  reasoningContent?: string
  reasoning?: string
  logprobs?: ChoiceLogprobs
  /** The legacy `function_call` of an answer to `functions`. */
  functionCall?: FunctionCall
  systemFingerprint?: string
  finishReason: string | null
  usage?: Usage
  /** Whether a constrained-decoding request was honoured by the backend. */
  constrained?: boolean
  /** Time spent waiting for the model to load before the request could be sent (ms). */
  loadMs?: number
}

/** OpenAI's legacy function call (`functions` / `function_call`). */
export interface FunctionCall {
  name?: string
  arguments?: string
}

/** One streamed piece of an answer. */
export interface StreamDelta {
  content?: string
  toolCalls?: unknown[]
  reasoningContent?: string
  reasoning?: string
  logprobs?: ChoiceLogprobs
  /** A piece of a legacy `function_call` (the name first, then pieces of the arguments). */
  functionCall?: FunctionCall
  /** The backend's `system_fingerprint`, as soon as it sent one. */
  systemFingerprint?: string
}

/** Called per delta; a returned promise (backpressure) is awaited before reading on. */
export type DeltaHandler = (delta: StreamDelta) => void | Promise<void>

export interface StreamEnd {
  finishReason: string | null
  usage?: Usage
  systemFingerprint?: string
  /** Time spent waiting for the model to load before the request could be sent (ms). */
  loadMs?: number
}

export interface CallOptions {
  signal?: CancelSignal
}

/** One backend that speaks chat completions. Every backend is reached through this interface. */
export interface Provider {
  readonly id: string
  chat(req: ProviderRequest, opts?: CallOptions): Promise<ProviderResponse>
  /**
   * Streams an answer into `onDelta` and resolves when it ends. Retries happen only before the
   * first delta, so nothing is ever sent twice.
   */
  stream(req: ProviderRequest, onDelta: DeltaHandler, opts?: CallOptions): Promise<StreamEnd>
}

/** A call to one of a backend's other OpenAI endpoints. */
export interface EndpointRequest {
  /** `embeddings`, the legacy `completions`, or `tokenize` (llmnet's llama.cpp workers). */
  path: 'embeddings' | 'completions' | 'tokenize'
  /** The OpenAI body, `model` already set to the upstream model id. */
  body: Record<string, unknown>
}

/**
 * Called per SSE `data:` payload of a streamed endpoint answer; a returned promise (backpressure)
 * is awaited before reading on.
 */
export type EndpointEventHandler = (data: string) => void | Promise<void>

/** Backends that serve OpenAI's other endpoints (see providers/endpoint-call.ts). */
export interface EndpointProvider {
  /**
   * Sends the request; resolves with the parsed JSON answer, or, when `onEvent` is given (a
   * streamed request), after the last event. Upstream 4xx keep their status.
   */
  endpoint(
    req: EndpointRequest,
    onEvent?: EndpointEventHandler,
    opts?: CallOptions
  ): Promise<unknown>
}

/** Backends that count a chat request's prompt tokens with the model's tokenizer and template. */
export interface TokenCounter {
  countTokens(messages: readonly ChatMessage[], opts?: CallOptions): Promise<number>
}

/** Whether a provider counts tokens itself (llmnet's llama.cpp workers do). */
export function countsTokens(p: Provider): p is Provider & TokenCounter {
  return typeof (p as Partial<TokenCounter>).countTokens === 'function'
}

/** Whether a provider serves OpenAI's other endpoints. */
export function hasEndpoints(p: Provider): p is Provider & EndpointProvider {
  return typeof (p as Partial<EndpointProvider>).endpoint === 'function'
}

// ---- Provider resolution: which provider and upstream model serve a node.

/** Finds the provider and upstream model id for a node; throws AppError (e.g. model_not_ready). */
export interface ProviderResolver {
  forNode(pipeline: CompiledPipeline, node: ArchitectureNode): { provider: Provider; model: string }
}

/** Serves models that llmnet runs itself (llama.cpp child processes, a managed Ollama). */
export interface LocalModels {
  providerFor(
    pipeline: CompiledPipeline,
    modelKey: string,
    model: ModelDefinition
  ): Provider | undefined
}

// ---- Secrets: `$secrets.NAME.VAR` values, looked up by the loader's store (secrets/).

/** Resolves `$secrets.NAME.VAR` references (defined by the secrets subsystem). */
export interface SecretLookup {
  get(name: string, variable: string): string | undefined
}

/** Loaded secret values of a pipeline, with the list of values for redaction. */
export interface PipelineSecrets extends SecretLookup {
  values(): string[]
  /** Every loaded `<name>.<VARIABLE>` key (what a source that lists no variables resolved to). */
  keys?(): string[]
}

// ---- The compiled pipeline the engine runs (built by pipeline.ts, handed to the resolver).

/** A validated composition, analysed once at load time and shared by every request. */
export interface CompiledPipeline {
  id: string
  path?: string
  /** Where relative paths in the composition (proto files, shell cwd, env files) start. */
  baseDir: string
  composition: Composition
  topology: Topology
  /** Every `extra-options.UseHeaderKeys` entry of the pipeline. */
  headerKeys: string[]
  maxHops: number
  secrets: PipelineSecrets
  /** The loaded secret values, computed once (the request path reads them). */
  secretValues: readonly string[]
  /** Replaces secret values in text (errors, traces, logs). */
  redact: (text: string) => string
}

// ---- Traces: every run emits one (the runtime's EventBus is the usual sink).

/** Where the engine sends each run's trace; those who run the engine (eval) may listen too. */
export interface TraceSink {
  emit(event: 'trace', payload: Trace): void
  /** Calls `listener` with every trace from now on; returns the unsubscribe. */
  on(event: 'trace', listener: (trace: Trace) => void): () => void
}
