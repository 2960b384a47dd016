import type { ChatMessage, Usage } from '../../../shared/openai/chat'

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
  finishReason: string | null
  usage?: Usage
  /** Whether a constrained-decoding request was honoured by the backend. */
  constrained?: boolean
}

export type ProviderStreamEvent =
  | { type: 'delta'; content?: string; toolCalls?: unknown[] }
  | { type: 'finish'; finishReason: string | null; usage?: Usage }

export interface CallOptions {
  signal?: AbortSignal
}

/** One backend that speaks chat completions. Every backend is reached through this interface. */
export interface Provider {
  readonly id: string
  chat(req: ProviderRequest, opts?: CallOptions): Promise<ProviderResponse>
  /** Yields nothing until the upstream answered; retries happen before the first event only. */
  stream(req: ProviderRequest, opts?: CallOptions): AsyncIterable<ProviderStreamEvent>
}
