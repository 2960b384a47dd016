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
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  seed: z.number().int().nullable().optional(),
  response_format: z.looseObject({ type: z.string() }).nullable().optional(),
  tools: z.array(z.unknown()).optional(),
  tool_choice: z.unknown().optional(),
  n: z.number().int().min(1).max(1).nullable().optional(),
  user: z.string().optional()
})
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>

/** Client parameters that go to answering nodes (never to routers). */
export const FORWARDED_PARAMS = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'response_format',
  'tools',
  'tool_choice',
  'presence_penalty',
  'frequency_penalty'
] as const

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  /** Prompt tokens a backend reused from its cache instead of evaluating (OpenAI's field). */
  prompt_tokens_details?: { cached_tokens?: number }
}

export interface ChatCompletion {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  choices: {
    index: number
    message: { role: 'assistant'; content: string | null; tool_calls?: unknown[] }
    finish_reason: string | null
    logprobs: null
  }[]
  usage: Usage
}

export interface ChatCompletionChunk {
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  choices: {
    index: number
    delta: { role?: 'assistant'; content?: string; tool_calls?: unknown[] }
    finish_reason: string | null
    logprobs?: null
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
