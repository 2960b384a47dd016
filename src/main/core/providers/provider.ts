import type { ChatMessage, ChoiceLogprobs, Usage } from '../../../shared/openai/chat'
import type { CancelSignal } from '../cancel'

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

/**
 * The JSON schema of a routing choice, `{"route": one of options}`: OpenAI's `json_schema`
 * response format and Ollama's `format` both take it. No other property is allowed (llama.cpp's
 * schema-to-grammar, under Ollama, reads a missing `additionalProperties` the same way).
 */
export function choiceSchema(options: readonly string[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: { route: { type: 'string', enum: [...options] } },
    required: ['route'],
    additionalProperties: false
  }
}

/**
 * The JSON schema of a routing choice as a bare JSON string, `"<one of options>"`: for backends
 * that turn schemas into llama.cpp grammars (Ollama), where each structural token of an object
 * wrapper is sampled and may be preceded by free whitespace. A string allows none before it.
 */
export function choiceStringSchema(options: readonly string[]): Record<string, unknown> {
  return { type: 'string', enum: [...options] }
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
