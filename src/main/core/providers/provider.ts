/**
 * @module What the adapters add to the engine's provider port (engine/ports.ts, re-exported here
 * for them): the JSON schemas of a routing choice that backends use for constrained decoding.
 */
export type {
  CallOptions,
  DeltaHandler,
  EndpointEventHandler,
  EndpointProvider,
  EndpointRequest,
  FunctionCall,
  Provider,
  ProviderRequest,
  ProviderResponse,
  StreamDelta,
  StreamEnd,
  TokenCounter
} from '../engine/ports'
export { countsTokens, hasEndpoints } from '../engine/ports'

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
