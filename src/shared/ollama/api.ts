/**
 * @module Ollama's native API as llmnet serves it (`/api/chat`, `/api/generate`, `/api/embed`,
 * `/api/embeddings`, `/api/show`), after Ollama's docs/api.md: the request schemas, and the
 * mapping of a chat or generate request onto an OpenAI chat request for the pipeline engine.
 * `options` keys with an OpenAI equivalent become that field; the rest travel on as `options`
 * (an Ollama node honours them).
 */
import { z } from 'zod'
import type { ChatCompletionRequest, ChatMessage } from '../openai/chat'

/** The Ollama API version whose protocol llmnet follows, for `/api/version`. */
export const OLLAMA_API_VERSION = '0.12.0'

const OptionsSchema = z.record(z.string(), z.unknown())
/** `"json"`, or a JSON schema object (structured outputs). */
const FormatSchema = z.union([z.literal('json'), z.literal(''), z.record(z.string(), z.unknown())])
const ThinkSchema = z.union([z.boolean(), z.enum(['low', 'medium', 'high'])])

const ToolCallSchema = z.looseObject({
  id: z.string().optional(),
  function: z.looseObject({
    name: z.string(),
    arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).optional()
  })
})

export const OllamaMessageSchema = z.looseObject({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().default(''),
  images: z.array(z.string()).nullable().optional(),
  thinking: z.string().optional(),
  tool_calls: z.array(ToolCallSchema).nullable().optional(),
  tool_name: z.string().optional(),
  tool_call_id: z.string().optional()
})
export type OllamaMessage = z.infer<typeof OllamaMessageSchema>

const Common = {
  model: z.string().min(1),
  stream: z.boolean().nullable().optional(),
  format: FormatSchema.nullable().optional(),
  options: OptionsSchema.nullable().optional(),
  keep_alive: z.union([z.string(), z.number()]).nullable().optional(),
  think: ThinkSchema.nullable().optional()
}

export const OllamaChatRequestSchema = z.looseObject({
  ...Common,
  messages: z.array(OllamaMessageSchema).default([]),
  tools: z
    .array(z.looseObject({ type: z.string() }))
    .nullable()
    .optional()
})
export type OllamaChatRequest = z.infer<typeof OllamaChatRequestSchema>

export const OllamaGenerateRequestSchema = z.looseObject({
  ...Common,
  prompt: z.string().default(''),
  suffix: z.string().nullable().optional(),
  system: z.string().nullable().optional(),
  images: z.array(z.string()).nullable().optional(),
  raw: z.boolean().nullable().optional(),
  template: z.string().nullable().optional(),
  context: z.array(z.number()).nullable().optional()
})
export type OllamaGenerateRequest = z.infer<typeof OllamaGenerateRequestSchema>

export const OllamaEmbedRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  truncate: z.boolean().nullable().optional(),
  dimensions: z.number().int().positive().nullable().optional(),
  options: OptionsSchema.nullable().optional(),
  keep_alive: z.union([z.string(), z.number()]).nullable().optional()
})

/** The older `/api/embeddings`: one `prompt`, one `embedding`. */
export const OllamaEmbeddingsRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.string(),
  options: OptionsSchema.nullable().optional(),
  keep_alive: z.union([z.string(), z.number()]).nullable().optional()
})

/** `/api/show` takes `model` (older clients send `name`). */
export const OllamaShowRequestSchema = z
  .looseObject({ model: z.string().min(1).optional(), name: z.string().min(1).optional() })
  .refine((b) => b.model !== undefined || b.name !== undefined, {
    message: 'model is required',
    path: ['model']
  })

/** Ollama `options` keys and the OpenAI chat field each one is. */
const OPTION_FIELDS: Record<string, string> = {
  temperature: 'temperature',
  top_p: 'top_p',
  top_k: 'top_k',
  min_p: 'min_p',
  seed: 'seed',
  stop: 'stop',
  num_predict: 'max_tokens',
  presence_penalty: 'presence_penalty',
  frequency_penalty: 'frequency_penalty',
  repeat_penalty: 'repeat_penalty',
  repeat_last_n: 'repeat_last_n'
}

/**
 * How Ollama loads and runs a model (context size, threads, GPU layers, memory mapping): in
 * llmnet the composition's model `parameters` decide these, so a request's are left out.
 */
const LOAD_OPTIONS = new Set([
  'num_ctx',
  'num_batch',
  'num_gpu',
  'main_gpu',
  'num_thread',
  'num_keep',
  'numa',
  'low_vram',
  'use_mmap',
  'use_mlock',
  'vocab_only'
])

/**
 * `options` as OpenAI fields; load settings are left out, and other keys without an equivalent
 * (`typical_p`, `mirostat`…) stay in `options`: an Ollama node honours them, another refuses them
 * by name.
 */
export function optionFields(options: Record<string, unknown> | null | undefined): {
  [field: string]: unknown
} {
  if (!options) return {}
  const out: Record<string, unknown> = {}
  const rest: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) {
    const field = Object.hasOwn(OPTION_FIELDS, key) ? OPTION_FIELDS[key] : undefined
    // num_predict -1 (or -2) means "no limit" in Ollama: no max_tokens.
    if (key === 'num_predict' && typeof value === 'number' && value < 0) continue
    if (field) out[field] = value
    else if (!LOAD_OPTIONS.has(key)) rest[key] = value
  }
  if (Object.keys(rest).length > 0) out.options = rest
  return out
}

/** `format`, `think` and `options` as OpenAI fields. */
function sharedFields(body: {
  format?: OllamaChatRequest['format']
  think?: OllamaChatRequest['think']
  options?: OllamaChatRequest['options']
}): Record<string, unknown> {
  const out: Record<string, unknown> = optionFields(body.options)
  if (body.format === 'json') out.response_format = { type: 'json_object' }
  else if (body.format && typeof body.format === 'object')
    out.response_format = {
      type: 'json_schema',
      json_schema: { name: 'response', schema: body.format, strict: true }
    }
  if (typeof body.think === 'string') out.reasoning_effort = body.think
  else if (body.think === false) out.think = false
  // `keep_alive` is left out: how long a model stays loaded is the composition's setting.
  return out
}

/** A base64 image (Ollama sends bare base64) as a data URL, its type read from its first bytes. */
export function imageDataUrl(base64: string): string {
  if (base64.startsWith('data:')) return base64
  const type = base64.startsWith('/9j/')
    ? 'image/jpeg'
    : base64.startsWith('R0lGOD')
      ? 'image/gif'
      : base64.startsWith('UklGR')
        ? 'image/webp'
        : 'image/png'
  return `data:${type};base64,${base64}`
}

function contentOf(text: string, images: string[] | null | undefined): ChatMessage['content'] {
  if (!images?.length) return text
  return [
    ...(text ? [{ type: 'text', text }] : []),
    ...images.map((img) => ({ type: 'image_url', image_url: { url: imageDataUrl(img) } }))
  ]
}

/**
 * Ollama messages as OpenAI ones. Ollama's tool calls carry no id (its tool results name the
 * tool instead), so each call gets one here and each tool message answers the first open call
 * of its `tool_name` (or the first open call).
 */
export function ollamaToMessages(messages: OllamaMessage[]): ChatMessage[] {
  const open: { id: string; name: string }[] = []
  return messages.map((m, i) => {
    if (m.role === 'assistant' && m.tool_calls?.length) {
      const calls = m.tool_calls.map((c, j) => {
        const id = c.id ?? `call_${i}_${j}`
        open.push({ id, name: c.function.name })
        const args = c.function.arguments
        return {
          id,
          type: 'function',
          function: {
            name: c.function.name,
            arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {})
          }
        }
      })
      return { role: 'assistant', content: m.content || null, tool_calls: calls }
    }
    if (m.role === 'tool') {
      let at = m.tool_call_id ? open.findIndex((c) => c.id === m.tool_call_id) : -1
      if (at < 0 && m.tool_name) at = open.findIndex((c) => c.name === m.tool_name)
      if (at < 0) at = 0
      const call = open.splice(at, 1)[0]
      return {
        role: 'tool',
        content: m.content,
        tool_call_id: m.tool_call_id ?? call?.id ?? `call_${i}`
      }
    }
    return { role: m.role, content: contentOf(m.content, m.images) }
  })
}

/** An Ollama chat request as an OpenAI chat request. */
export function ollamaChatToOpenAI(body: OllamaChatRequest): ChatCompletionRequest {
  return {
    model: body.model,
    messages: ollamaToMessages(body.messages),
    // Ollama streams unless told not to.
    stream: body.stream !== false,
    ...(body.tools?.length && { tools: body.tools }),
    ...sharedFields(body)
  }
}

/** An Ollama generate request (no `suffix`) as an OpenAI chat request: `system`, then `prompt`. */
export function ollamaGenerateToOpenAI(body: OllamaGenerateRequest): ChatCompletionRequest {
  const messages: ChatMessage[] = []
  if (body.system) messages.push({ role: 'system', content: body.system })
  messages.push({ role: 'user', content: contentOf(body.prompt, body.images) })
  return {
    model: body.model,
    messages,
    stream: body.stream !== false,
    ...sharedFields(body)
  }
}

/** Ollama's `done_reason` for an OpenAI finish reason. */
export function doneReason(finish: string | null): 'stop' | 'length' {
  return finish === 'length' ? 'length' : 'stop'
}

/** A tool call's arguments as the object Ollama sends (text that is not JSON stays text). */
export function parseArguments(args: string): Record<string, unknown> | string {
  if (!args.trim()) return {}
  try {
    const v = JSON.parse(args) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : args
  } catch {
    return args
  }
}
