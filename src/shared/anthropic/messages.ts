/**
 * @module Anthropic's Messages API wire types (`POST /v1/messages`), and their mapping onto chat
 * messages: `system` becomes a system message, text blocks become content, `tool_use` blocks an
 * assistant's tool calls and `tool_result` blocks tool messages. Tools map to function tools.
 */
import { z } from 'zod'
import type { ChatMessage } from '../openai/chat'

const TextBlock = z.looseObject({ type: z.literal('text'), text: z.string() })
const ToolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown()
})
const ToolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  is_error: z.boolean().optional()
})
/** Images, documents, thinking: accepted, but only text reaches a chat backend. */
const OtherBlock = z.looseObject({ type: z.string() })
const Block = z.union([TextBlock, ToolUseBlock, ToolResultBlock, OtherBlock])

export const AnthropicMessageSchema = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(Block)])
})

const Tool = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown())
})

export const MessagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(AnthropicMessageSchema).min(1),
  max_tokens: z.number().int().positive(),
  system: z.union([z.string(), z.array(TextBlock)]).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(Tool).optional(),
  tool_choice: z
    .union([
      z.looseObject({ type: z.enum(['auto', 'any', 'none']) }),
      z.looseObject({ type: z.literal('tool'), name: z.string() })
    ])
    .optional(),
  metadata: z.looseObject({}).optional()
})
export type MessagesRequest = z.infer<typeof MessagesRequestSchema>
type Message = z.infer<typeof AnthropicMessageSchema>

function blockText(content: string | { type: string; text?: unknown }[] | undefined): string {
  if (content === undefined) return ''
  if (typeof content === 'string') return content
  return content
    .map((b) => (b.type === 'text' && typeof b.text === 'string' ? b.text : ''))
    .join('')
}

/** One Anthropic message as chat messages (tool results come first, as tool messages). */
function toChat(m: Message): ChatMessage[] {
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }]
  const out: ChatMessage[] = []
  const texts: string[] = []
  const calls: unknown[] = []
  for (const b of m.content) {
    if (b.type === 'text' && typeof b.text === 'string') texts.push(b.text)
    else if (b.type === 'tool_use') {
      const u = b as z.infer<typeof ToolUseBlock>
      calls.push({
        id: u.id,
        type: 'function',
        function: { name: u.name, arguments: JSON.stringify(u.input ?? {}) }
      })
    } else if (b.type === 'tool_result') {
      const r = b as z.infer<typeof ToolResultBlock>
      const text = blockText(r.content as { type: string; text?: unknown }[] | string | undefined)
      out.push({
        role: 'tool',
        tool_call_id: r.tool_use_id,
        content: r.is_error ? `Error: ${text}` : text
      })
    }
  }
  const text = texts.join('\n')
  if (calls.length > 0) out.push({ role: 'assistant', content: text || null, tool_calls: calls })
  else if (text || out.length === 0) out.push({ role: m.role, content: text })
  return out
}

/** `system` and `messages` as chat messages. */
export function anthropicToMessages(req: MessagesRequest): ChatMessage[] {
  const system = typeof req.system === 'string' ? req.system : blockText(req.system)
  return [
    ...(system ? [{ role: 'system' as const, content: system }] : []),
    ...req.messages.flatMap(toChat)
  ]
}

/** Chat parameters for the request's sampling, stop sequences and tools. */
export function anthropicParams(req: MessagesRequest): Record<string, unknown> {
  const out: Record<string, unknown> = { max_tokens: req.max_tokens }
  if (req.temperature !== undefined) out.temperature = req.temperature
  if (req.top_p !== undefined) out.top_p = req.top_p
  if (req.stop_sequences?.length) out.stop = req.stop_sequences
  if (req.tools?.length) {
    out.tools = req.tools.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        parameters: t.input_schema
      }
    }))
  }
  const choice = req.tool_choice
  if (choice) {
    out.tool_choice =
      choice.type === 'tool'
        ? { type: 'function', function: { name: (choice as { name: string }).name } }
        : choice.type === 'any'
          ? 'required'
          : choice.type
  }
  return out
}

/** A chat finish reason as Anthropic's `stop_reason`. */
export function stopReason(
  finish: string | null
): 'end_turn' | 'max_tokens' | 'tool_use' | 'stop_sequence' {
  if (finish === 'length') return 'max_tokens'
  if (finish === 'tool_calls') return 'tool_use'
  return 'end_turn'
}

/** Anthropic's error types by HTTP status. */
export function anthropicErrorType(status: number): string {
  if (status === 400 || status === 413 || status === 415 || status === 422) {
    return status === 413 ? 'request_too_large' : 'invalid_request_error'
  }
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status === 503) return 'overloaded_error'
  if (status === 504) return 'timeout_error'
  return 'api_error'
}
