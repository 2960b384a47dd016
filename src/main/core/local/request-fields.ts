/**
 * @module What the llama.cpp worker does with each field of a chat request (docs/engine.md,
 * "What the client's fields become"): the sampler settings it maps onto node-llama-cpp, the
 * advisory fields it may leave out, and a 400 naming any other field, so nothing a client sent
 * is dropped silently.
 */
import { ADVISORY_FIELDS } from '../../../shared/openai/chat'
import type { CompletionBody } from './grammars'
import { HttpError } from './worker-http'

/** Fields the worker reads. */
const WORKER_FIELDS = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'n',
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'response_format',
  'grammar',
  'presence_penalty',
  'frequency_penalty',
  'repeat_penalty',
  'repeat_last_n'
])

/** An empty value asks for nothing: `tools: []`, `tool_choice: "none"`, `logprobs: false`. */
function asksNothing(key: string, v: unknown): boolean {
  if (v === undefined || v === null || v === false) return true
  if (Array.isArray(v) && v.length === 0) return true
  return (key === 'tool_choice' || key === 'function_call') && (v === 'none' || v === 'auto')
}

/** Throws a 400 naming the first field the worker cannot honour. */
export function checkWorkerFields(body: Readonly<Record<string, unknown>>, model: string): void {
  for (const key in body) {
    if (WORKER_FIELDS.has(key) || ADVISORY_FIELDS.has(key) || asksNothing(key, body[key])) continue
    const why =
      key === 'tools' || key === 'functions' || key === 'tool_choice' || key === 'function_call'
        ? 'offers no function calling'
        : `has no parameter "${key}"`
    throw new HttpError(
      400,
      `the local model ${model} ${why}; leave "${key}" out of the request`,
      'unsupported_parameter',
      key
    )
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)

/** node-llama-cpp's sampler options for a request's top_k, min_p and penalties. */
export function samplerOptions(body: CompletionBody): {
  topK?: number
  minP?: number
  repeatPenalty?: {
    penalty?: number
    lastTokens?: number
    presencePenalty?: number
    frequencyPenalty?: number
  }
} {
  const b = body as Record<string, unknown>
  const nonZero = (v: unknown): number | undefined => (num(v) === 0 ? undefined : num(v))
  const repeat = {
    penalty: num(b.repeat_penalty),
    lastTokens: num(b.repeat_last_n),
    presencePenalty: nonZero(b.presence_penalty),
    frequencyPenalty: nonZero(b.frequency_penalty)
  }
  const anyRepeat = Object.values(repeat).some((v) => v !== undefined)
  return {
    topK: num(b.top_k),
    minP: num(b.min_p),
    repeatPenalty: anyRepeat ? repeat : undefined
  }
}
