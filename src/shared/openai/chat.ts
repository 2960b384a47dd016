/**
 * @module OpenAI chat-completions wire types. Requests are parsed leniently (clients send many
 * fields we pass through or ignore) but every field we read is type-checked.
 */
import { z } from 'zod'

const ContentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() })

export const ChatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(z.unknown()).optional(),
  tool_call_id: z.string().optional()
})
export type ChatMessage = z.infer<typeof ChatMessageSchema>

export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessageSchema).min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  // OpenAI caps `stop` at 4 strings; local backends take more, and the answering node decides.
  stop: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .optional(),
  seed: z.number().int().nullable().optional(),
  response_format: z.looseObject({ type: z.string() }).nullable().optional(),
  tools: z.array(z.unknown()).nullable().optional(),
  tool_choice: z.unknown().optional(),
  n: z.number().int().min(1).max(1).nullable().optional(),
  user: z.string().nullable().optional(),
  reasoning_effort: z.string().nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  functions: z.array(z.unknown()).nullable().optional(),
  function_call: z.unknown().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional()
})
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>

/**
 * Request fields llmnet itself owns (docs/engine.md, "What the client's fields become"): `model`
 * picks the pipeline, `messages` are what every node works on, `stream`/`stream_options` shape
 * llmnet's own answer, `n` is always 1. Every other top-level field goes, as sent, to the
 * answering nodes (never to routers).
 */
export const OWNED_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'n'
])

/**
 * Fields that only describe a request (who asked, how to bill, store or cache it): a backend
 * without them may leave them out, as nothing in the answer depends on them.
 */
export const ADVISORY_FIELDS: ReadonlySet<string> = new Set([
  'user',
  'metadata',
  'store',
  'service_tier',
  'prompt_cache_key',
  'safety_identifier',
  'parallel_tool_calls',
  'client_metadata'
])

/** The client fields an answering node receives: all but the owned ones, nulls left out. */
export function forwardedParams(req: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key in req) {
    const v = req[key]
    if (v !== undefined && v !== null && !OWNED_FIELDS.has(key)) out[key] = v
  }
  return out
}

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  /** Prompt tokens a backend reused from its cache instead of evaluating (OpenAI's field). */
  prompt_tokens_details?: { cached_tokens?: number }
  /** How the completion tokens split (`reasoning_tokens`…), summed over the hops that report it. */
  completion_tokens_details?: Record<string, number>
}

/** Per-token log probabilities of a choice (OpenAI's `choices[].logprobs`), passed through. */
export interface ChoiceLogprobs {
  content?: unknown[] | null
  refusal?: unknown[] | null
}

export interface ChatCompletion {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  system_fingerprint?: string
  choices: {
    index: number
    message: {
      role: 'assistant'
      content: string | null
      reasoning_content?: string
      reasoning?: string
      tool_calls?: unknown[]
      function_call?: { name?: string; arguments?: string }
    }
    finish_reason: string | null
    logprobs: ChoiceLogprobs | null
  }[]
  usage: Usage
}

export interface ChatCompletionChunk {
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  system_fingerprint?: string
  choices: {
    index: number
    delta: {
      role?: 'assistant'
      content?: string
      reasoning_content?: string
      reasoning?: string
      tool_calls?: unknown[]
    }
    finish_reason: string | null
    logprobs?: ChoiceLogprobs | null
  }[]
  usage?: Usage | null
}

/** The text of a message's content (string or text parts). */
export function messageText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content
  if (!content) return ''
  return content
    .map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : ''))
    .join('')
}
