/**
 * @module The OpenAI Responses API wire types (`POST /v1/responses`, used by Codex and the Agents
 * SDK), and their mapping onto chat messages: `instructions` becomes a system message, message
 * items become messages, `function_call` / `function_call_output` items become an assistant's
 * tool calls and their tool results. Function tools map to chat function tools.
 */
import { z } from 'zod'
import type { ChatMessage } from './chat'

const TextPart = z.looseObject({
  type: z.enum(['input_text', 'output_text', 'text', 'refusal']),
  text: z.string().optional(),
  refusal: z.string().optional()
})
const OtherPart = z.looseObject({ type: z.string() })

const MessageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(z.union([TextPart, OtherPart]))])
})
const FunctionCallItem = z.looseObject({
  type: z.literal('function_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string()
})
const FunctionOutputItem = z.looseObject({
  type: z.literal('function_call_output'),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))])
})
/** Reasoning items from an earlier turn carry nothing a chat backend can use: skipped. */
const ReasoningItem = z.looseObject({ type: z.literal('reasoning') })

export const ResponseInputItemSchema = z.union([
  FunctionCallItem,
  FunctionOutputItem,
  ReasoningItem,
  MessageItem
])

const FunctionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional()
})

export const ResponsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(ResponseInputItemSchema).min(1)]),
  instructions: z.string().nullable().optional(),
  tools: z.array(FunctionTool).optional(),
  tool_choice: z
    .union([
      z.enum(['auto', 'none', 'required']),
      z.looseObject({ type: z.literal('function'), name: z.string() })
    ])
    .optional(),
  stream: z.boolean().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  max_output_tokens: z.number().int().positive().nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  previous_response_id: z.null().optional(),
  store: z.boolean().nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  user: z.string().nullable().optional()
})
export type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>

function partsText(content: z.infer<typeof MessageItem>['content']): string {
  if (typeof content === 'string') return content
  return content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('')
}

/** The request's `instructions` and `input` as chat messages. */
export function responsesToMessages(req: ResponsesRequest): ChatMessage[] {
  const out: ChatMessage[] = []
  if (req.instructions) out.push({ role: 'system', content: req.instructions })
  if (typeof req.input === 'string') {
    out.push({ role: 'user', content: req.input })
    return out
  }
  for (const item of req.input) {
    if (item.type === 'reasoning') continue
    if (item.type === 'function_call') {
      const call = {
        id: item.call_id,
        type: 'function',
        function: { name: item.name, arguments: item.arguments }
      }
      const last = out.at(-1)
      // Parallel calls of one turn are one assistant message with several tool calls.
      if (last?.role === 'assistant' && last.tool_calls && !last.content)
        last.tool_calls = [...last.tool_calls, call]
      else out.push({ role: 'assistant', content: null, tool_calls: [call] })
      continue
    }
    if (item.type === 'function_call_output') {
      const output =
        typeof item.output === 'string'
          ? item.output
          : item.output.map((p) => (typeof p.text === 'string' ? p.text : '')).join('')
      out.push({ role: 'tool', tool_call_id: item.call_id, content: output })
      continue
    }
    const msg = item as z.infer<typeof MessageItem>
    out.push({ role: msg.role, content: partsText(msg.content) })
  }
  return out
}

/** Responses function tools as chat tools; `tool_choice` likewise. */
export function responsesTools(req: ResponsesRequest): {
  tools?: unknown[]
  tool_choice?: unknown
} {
  const tools = req.tools?.map((t) => ({
    type: 'function',
    function: {
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      parameters: t.parameters ?? { type: 'object', properties: {} },
      ...(typeof t.strict === 'boolean' ? { strict: t.strict } : {})
    }
  }))
  const choice = req.tool_choice
  const tool_choice =
    typeof choice === 'object' ? { type: 'function', function: { name: choice.name } } : choice
  return {
    ...(tools && tools.length > 0 ? { tools } : {}),
    ...(tool_choice !== undefined ? { tool_choice } : {})
  }
}

export interface ResponseUsage {
  input_tokens: number
  input_tokens_details: { cached_tokens: number }
  output_tokens: number
  output_tokens_details: { reasoning_tokens: number }
  total_tokens: number
}

export type ResponseOutputItem =
  | {
      type: 'message'
      id: string
      status: 'in_progress' | 'completed'
      role: 'assistant'
      content: { type: 'output_text'; text: string; annotations: unknown[] }[]
    }
  | {
      type: 'function_call'
      id: string
      call_id: string
      name: string
      arguments: string
      status: 'in_progress' | 'completed'
    }
