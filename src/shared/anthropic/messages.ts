/**
 * @module Anthropic's Messages API wire types (`POST /v1/messages`), and their mapping onto chat
 * messages and parameters. Every top-level field is mapped, forwarded, kept as advisory or
 * refused by name (messages-fields.ts; docs/endpoints.md has the table):
 * - `system`, and `system` messages anywhere in `messages` (Claude Code sends one mid-conversation),
 *   become one leading system message, in order;
 * - text blocks become content, images image parts, `tool_use` blocks an assistant's tool calls and
 *   `tool_result` blocks tool messages; earlier thinking stays out (chat backends take none back);
 * - tools with an `input_schema` become function tools; server tools (`web_search`, `bash`…),
 *   which have none, are dropped and named in the answer's `x-llmnet-dropped-tools` header;
 * - `output_config.format` becomes `response_format`, `thinking` `reasoning_effort`.
 */
import { z } from 'zod'
import type { ChatMessage } from '../openai/chat'

const Tool = z.looseObject({
  name: z.string().min(1),
  /** Server tools (`web_search_20250305`, `bash_20250124`…) have a type and no input_schema. */
  type: z.string().nullish(),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().optional(),
  defer_loading: z.boolean().optional()
})
export type MessagesTool = z.infer<typeof Tool>

const TextBlock = z.looseObject({ type: z.literal('text'), text: z.string() })
const ImageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('base64'), media_type: z.string(), data: z.string() }),
    z.looseObject({ type: z.literal('url'), url: z.string() })
  ])
})
/** A document: only a plain-text source can reach a chat backend. */
const DocumentBlock = z.looseObject({
  type: z.literal('document'),
  source: z.looseObject(
    { type: z.literal('text'), data: z.string() },
    {
      error:
        'only a plain-text document source ({"type": "text", "data": …}) can reach a chat model'
    }
  ),
  title: z.string().nullish()
})
const SearchResultBlock = z.looseObject({
  type: z.literal('search_result'),
  source: z.string(),
  title: z.string(),
  content: z.array(TextBlock)
})
const ToolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  // Anthropic's `input` is an object; a JSON string here is a client bug, refused by its path.
  input: z.record(z.string(), z.unknown())
})
/** A tool a tool search found (in a `tool_result`): a deferred tool the model may now call. */
const ToolReferenceBlock = z.looseObject({
  type: z.literal('tool_reference'),
  tool_name: z.string().min(1)
})
const ToolReference = z.looseObject({ type: z.literal('tool_reference'), name: z.string().min(1) })
/** Tools added or removed mid-conversation (Claude Code sends them in a `system` message). */
const ToolAdditionBlock = z.looseObject({
  type: z.literal('tool_addition'),
  tool: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('tool_definition'), definition: Tool }),
    ToolReference
  ])
})
const ToolRemovalBlock = z.looseObject({ type: z.literal('tool_removal'), tool: ToolReference })
const ToolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z
    .union([
      z.string(),
      z.array(
        z.discriminatedUnion('type', [
          TextBlock,
          ImageBlock,
          SearchResultBlock,
          DocumentBlock,
          ToolReferenceBlock
        ])
      )
    ])
    .optional(),
  is_error: z.boolean().optional()
})
/** The model's earlier thinking: accepted in history, not sent on. */
const ThinkingBlock = z.looseObject({ type: z.literal('thinking'), thinking: z.string() })
const RedactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking') })

const BLOCK_TYPES = [
  'text',
  'image',
  'document',
  'search_result',
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
  'tool_addition',
  'tool_removal'
]
const Block = z.discriminatedUnion(
  'type',
  [
    TextBlock,
    ImageBlock,
    DocumentBlock,
    SearchResultBlock,
    ToolUseBlock,
    ToolResultBlock,
    ThinkingBlock,
    RedactedThinkingBlock,
    ToolAdditionBlock,
    ToolRemovalBlock
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `this content block type is not supported (llmnet runs no server tools); expected one of ${BLOCK_TYPES.join(', ')}`
        : undefined
  }
)
type Block = z.infer<typeof Block>

/**
 * A string or a list of blocks. A plain union would report a bad block as "Invalid input" on
 * the whole list; this names the block's own field (`content[0].input`).
 */
const Content = z.union([z.string(), z.array(z.unknown())]).transform((v, ctx) => {
  if (typeof v === 'string') return v
  const r = z.array(Block).safeParse(v)
  if (r.success) return r.data
  for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message, path: i.path })
  return z.NEVER
})

export const AnthropicMessageSchema = z.looseObject({
  role: z.enum(['user', 'assistant', 'system'], {
    error: (iss) =>
      `Unexpected role ${JSON.stringify(iss.input)}: the input message role must be "user", "assistant" or "system"`
  }),
  content: Content
})

const Effort = z.enum(['low', 'medium', 'high', 'xhigh', 'max'])
const Display = z.enum(['summarized', 'omitted']).nullish()
const Thinking = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('enabled'),
    budget_tokens: z.number().int().positive(),
    display: Display
  }),
  z.looseObject({ type: z.literal('adaptive'), display: Display }),
  z.looseObject({ type: z.literal('between_tools'), display: Display }),
  z.looseObject({ type: z.literal('disabled') })
])
const JsonOutputFormat = z.looseObject({
  type: z.literal('json_schema'),
  schema: z.record(z.string(), z.unknown())
})

const CONTEXT_EDITS = ['clear_thinking_20251015']

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
    .discriminatedUnion('type', [
      z.looseObject({
        type: z.enum(['auto', 'any']),
        disable_parallel_tool_use: z.boolean().optional()
      }),
      z.looseObject({ type: z.literal('none') }),
      z.looseObject({
        type: z.literal('tool'),
        name: z.string(),
        disable_parallel_tool_use: z.boolean().optional()
      })
    ])
    .optional(),
  thinking: Thinking.optional(),
  output_config: z
    .looseObject({ effort: Effort.nullish(), format: JsonOutputFormat.nullish() })
    .optional(),
  /** The beta's earlier name for `output_config.format`. */
  output_format: JsonOutputFormat.nullish(),
  context_management: z
    .looseObject({
      edits: z
        .array(
          z.looseObject({
            type: z.enum(CONTEXT_EDITS, {
              error: (iss) =>
                `context edit ${JSON.stringify(iss.input)} is not supported: llmnet keeps no server-side context to clear (earlier thinking never reaches the model, so clear_thinking_20251015 is accepted)`
            })
          })
        )
        .optional()
    })
    .nullish(),
  metadata: z.looseObject({}).optional()
})
export type MessagesRequest = z.infer<typeof MessagesRequestSchema>
type Message = z.infer<typeof AnthropicMessageSchema>

/** `count_tokens` takes the same body without `max_tokens` nor `stream`. */
export const CountTokensRequestSchema = MessagesRequestSchema.omit({
  max_tokens: true,
  stream: true
})
export type CountTokensRequest = z.infer<typeof CountTokensRequestSchema>

function joinText(blocks: readonly { type: string; text?: unknown }[]): string {
  return blocks
    .map((b) => (b.type === 'text' && typeof b.text === 'string' ? b.text : ''))
    .filter((t) => t !== '')
    .join('\n\n')
}

type Part = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } }

function imagePart(b: z.infer<typeof ImageBlock>): Part {
  const s = b.source
  const url = s.type === 'base64' ? `data:${s.media_type};base64,${s.data}` : s.url
  return { type: 'image_url', image_url: { url } }
}

/** A block as a chat content part: text, image or a text-sourced document; undefined for none. */
function part(b: Block): Part | undefined {
  if (b.type === 'text') return { type: 'text', text: b.text }
  if (b.type === 'image') return imagePart(b)
  if (b.type === 'document') {
    const title = b.title ? `${b.title}\n\n` : ''
    return { type: 'text', text: `${title}${b.source.data}` }
  }
  if (b.type === 'search_result')
    return { type: 'text', text: `${b.title} (${b.source})\n\n${joinText(b.content)}` }
  return undefined
}

/** A tool result's item as a part: a found tool reads as a line saying it can now be called. */
function resultPart(b: Block | z.infer<typeof ToolReferenceBlock>): Part | undefined {
  if (b.type === 'tool_reference') return { type: 'text', text: `Tool loaded: ${b.tool_name}` }
  return part(b)
}

/** Parts as chat content: a string when all are text, else the parts. */
function content(parts: Part[]): string | Part[] {
  if (parts.every((p) => p.type === 'text')) return parts.map((p) => p.text).join('\n')
  return parts
}

/** One Anthropic message as chat messages (tool results come first, as tool messages). */
function toChat(m: Message & { role: 'user' | 'assistant' }): ChatMessage[] {
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }]
  const out: ChatMessage[] = []
  const parts: Part[] = []
  const calls: unknown[] = []
  // Images a tool returned: chat tool messages carry text only, so they follow as a user message.
  const resultImages: Part[] = []
  for (const b of m.content) {
    if (b.type === 'tool_use') {
      calls.push({
        id: b.id,
        type: 'function',
        function: { name: b.name, arguments: JSON.stringify(b.input) }
      })
    } else if (b.type === 'tool_result') {
      const items = typeof b.content === 'string' ? [] : (b.content ?? []).map(resultPart)
      const text =
        typeof b.content === 'string'
          ? b.content
          : items.flatMap((p) => (p?.type === 'text' ? [p.text] : [])).join('\n')
      for (const p of items) if (p?.type === 'image_url') resultImages.push(p)
      out.push({
        role: 'tool',
        tool_call_id: b.tool_use_id,
        content: b.is_error ? `Error: ${text}` : text
      })
    } else {
      const p = part(b)
      if (p) parts.push(p)
    }
  }
  if (resultImages.length > 0)
    out.push({ role: 'user', content: resultImages as ChatMessage['content'] })
  const body = content(parts)
  if (calls.length > 0) {
    out.push({
      role: 'assistant',
      content: typeof body === 'string' ? body || null : (body as ChatMessage['content']),
      tool_calls: calls
    })
  } else if (parts.length > 0) {
    out.push({ role: m.role, content: body as ChatMessage['content'] })
  }
  return out
}

/** The system prompt: `system`, then each `system` message's text, in order. */
export function systemPrompt(req: Pick<MessagesRequest, 'system' | 'messages'>): string {
  const pieces: string[] = []
  const top = typeof req.system === 'string' ? req.system : joinText(req.system ?? [])
  if (top) pieces.push(top)
  for (const m of req.messages) {
    if (m.role !== 'system') continue
    const t = typeof m.content === 'string' ? m.content : joinText(m.content)
    if (t) pieces.push(t)
  }
  return pieces.join('\n\n')
}

/** `system` and `messages` as chat messages: one leading system message, then the turns. */
export function anthropicToMessages(
  req: Pick<MessagesRequest, 'system' | 'messages'>
): ChatMessage[] {
  const system = systemPrompt(req)
  const turns = req.messages.flatMap((m) =>
    m.role === 'system' ? [] : toChat(m as Message & { role: 'user' | 'assistant' })
  )
  return [...(system ? [{ role: 'system' as const, content: system }] : []), ...turns]
}

/**
 * The tools a chat model is offered, and the server tools (no `input_schema`) dropped. A deferred
 * tool (`defer_loading`) is offered once the conversation loads it: a tool search's
 * `tool_reference` result or a `tool_addition` naming it; `tool_addition` with a definition adds
 * a tool, `tool_removal` takes one away, in the order of the messages.
 */
export function effectiveTools(req: Pick<MessagesRequest, 'tools' | 'messages'>): {
  offered: MessagesTool[]
  dropped: string[]
} {
  const dropped: string[] = []
  const deferred = new Map<string, MessagesTool>()
  const offered = new Map<string, MessagesTool>()
  const add = (t: MessagesTool): void => {
    if (t.input_schema) offered.set(t.name, t)
    else if (!dropped.includes(t.name)) dropped.push(t.name)
  }
  for (const t of req.tools ?? []) {
    if (t.defer_loading === true) deferred.set(t.name, t)
    else add(t)
  }
  const load = (name: string): void => {
    const t = deferred.get(name)
    if (t && !offered.has(name)) add(t)
  }
  for (const m of req.messages) {
    if (typeof m.content === 'string') continue
    for (const b of m.content) {
      if (b.type === 'tool_result' && Array.isArray(b.content)) {
        for (const item of b.content) if (item.type === 'tool_reference') load(item.tool_name)
      } else if (b.type === 'tool_addition') {
        if (b.tool.type === 'tool_reference') load(b.tool.name)
        else add(b.tool.definition)
      } else if (b.type === 'tool_removal') offered.delete(b.tool.name)
    }
  }
  return { offered: [...offered.values()], dropped }
}

/** The first tool that is neither a function tool nor a server tool, for a 400 naming it. */
export function badTool(tools: readonly MessagesTool[] | undefined): number | undefined {
  const i = (tools ?? []).findIndex(
    (t) => !t.input_schema && (t.type === undefined || t.type === null || t.type === 'custom')
  )
  return i < 0 ? undefined : i
}

/** `reasoning_effort` for a thinking budget or an effort level. */
function effortLevel(effort: string | null | undefined, budget: number): string {
  if (effort === 'low' || effort === 'medium' || effort === 'high') return effort
  if (effort === 'xhigh' || effort === 'max') return 'high'
  return budget < 2048 ? 'low' : budget < 8192 ? 'medium' : 'high'
}

/**
 * The chat field each mapped chat parameter comes from, so a backend's refusal of a chat field
 * can name the field the client sent.
 */
export const CHAT_FIELD_ORIGIN: Readonly<Record<string, string>> = {
  response_format: 'output_config.format',
  reasoning_effort: 'thinking',
  stop: 'stop_sequences',
  parallel_tool_calls: 'tool_choice.disable_parallel_tool_use'
}

/** Chat parameters for the request's sampling, stop sequences, tools, thinking and output format. */
export function anthropicParams(req: MessagesRequest): Record<string, unknown> {
  const out: Record<string, unknown> = { max_tokens: req.max_tokens }
  if (req.temperature !== undefined) out.temperature = req.temperature
  if (req.top_p !== undefined) out.top_p = req.top_p
  if (req.top_k !== undefined) out.top_k = req.top_k
  if (req.stop_sequences?.length) out.stop = req.stop_sequences
  const { offered } = effectiveTools(req)
  if (offered.length) {
    out.tools = offered.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        parameters: t.input_schema,
        ...(t.strict !== undefined ? { strict: t.strict } : {})
      }
    }))
  }
  const choice = req.tool_choice
  if (choice && (offered.length > 0 || choice.type === 'none')) {
    out.tool_choice =
      choice.type === 'tool'
        ? { type: 'function', function: { name: choice.name } }
        : choice.type === 'any'
          ? 'required'
          : choice.type
    if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true)
      out.parallel_tool_calls = false
  }
  // Asked-for thinking becomes a reasoning level; adaptive thinking is the model's own default.
  const thinking = req.thinking
  if (thinking?.type === 'enabled')
    out.reasoning_effort = effortLevel(req.output_config?.effort, thinking.budget_tokens)
  const format = req.output_config?.format ?? req.output_format
  if (format) {
    out.response_format = {
      type: 'json_schema',
      json_schema: { name: 'output', schema: format.schema, strict: true }
    }
  }
  return out
}

/** Whether the answer's thinking goes back to the client, and with its text or without. */
export function thinkingDisplay(
  req: Pick<MessagesRequest, 'thinking'>
): 'shown' | 'omitted' | 'none' {
  const t = req.thinking
  if (t?.type === 'disabled') return 'none'
  if (t && 'display' in t && t.display === 'omitted') return 'omitted'
  return 'shown'
}

/** A chat finish reason as Anthropic's `stop_reason`. */
export function stopReason(
  finish: string | null
): 'end_turn' | 'max_tokens' | 'tool_use' | 'stop_sequence' | 'refusal' {
  if (finish === 'length') return 'max_tokens'
  if (finish === 'tool_calls') return 'tool_use'
  if (finish === 'content_filter') return 'refusal'
  return 'end_turn'
}

/**
 * A rough count of a request's input tokens, for backends without a tokenizer here: one token per
 * 4 characters of the text the model reads (system prompt, messages, tool definitions), plus 4 per
 * message for the chat template's framing.
 */
export function estimateInputTokens(req: CountTokensRequest): number {
  let chars = systemPrompt(req).length
  for (const m of req.messages) {
    if (m.role === 'system') continue
    chars += typeof m.content === 'string' ? m.content.length : JSON.stringify(m.content).length
  }
  const { offered } = effectiveTools(req)
  for (const t of offered) chars += JSON.stringify(t).length
  return Math.ceil(chars / 4) + 4 * req.messages.length
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
