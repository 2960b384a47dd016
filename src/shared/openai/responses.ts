/**
 * @module The OpenAI Responses API wire types (`POST /v1/responses`, used by Codex, the Agents SDK
 * and the Vercel AI SDK), and their mapping onto a chat request. Every tool and input item type of
 * the API reference (openai-node's `Tool` and `ResponseInputItem` unions) is accepted:
 * - tools: `function` as it is; the function and custom tools of a `namespace` under the name
 *   `NAMESPACE__NAME` (their calls go back under their own name with `namespace`); `custom`
 *   (freeform) tools as a function taking one string `input`; hosted tools (web search, file
 *   search, MCP, code interpreter…) run by OpenAI's servers, which no node here can run, are
 *   left out of what the model sees and reported in `MappedTools.dropped` (responses-tools.ts);
 * - input items: messages (text, images, files, audio), function and custom tool calls and their
 *   outputs, the calls and outputs of client-run tools (local shell, shell, apply_patch, computer),
 *   `additional_tools`; records of hosted calls, reasoning, compaction and configuration items
 *   carry nothing a chat model reads and are skipped; `item_reference` is resolved by the caller.
 * A type outside the reference, or a part that cannot be sent, is a {@link FieldError} naming the
 * item by its index (`input[3].type`).
 */
import { z } from 'zod'
import type { ChatMessage } from './chat'

/** A refused request field, with its path (`input[3].content[0].file_id`). */
export class FieldError extends Error {
  constructor(
    message: string,
    readonly param: string
  ) {
    super(message)
  }
}

/** Tool types the reference defines that are run by the client's own tools (here: the model's). */
const CLIENT_TOOLS = new Set(['function', 'custom', 'namespace'])

/** Tool types the reference defines that OpenAI's servers run (or that it maps to its own items). */
export const HOSTED_TOOLS: ReadonlySet<string> = new Set([
  'file_search',
  'computer',
  'computer_use',
  'computer_use_preview',
  'web_search',
  'web_search_2025_08_26',
  'web_search_preview',
  'web_search_preview_2025_03_11',
  'mcp',
  'code_interpreter',
  'programmatic_tool_calling',
  'image_generation',
  'local_shell',
  'shell',
  'tool_search',
  'apply_patch'
])

/** Input item types of the reference (`ResponseInputItem`), besides messages. */
const CALL_ITEMS = new Set([
  'computer_call',
  'local_shell_call',
  'shell_call',
  'apply_patch_call',
  'tool_search_call',
  'program'
])
const OUTPUT_ITEMS = new Set([
  'computer_call_output',
  'local_shell_call_output',
  'shell_call_output',
  'apply_patch_call_output',
  'tool_search_output',
  'program_output'
])
/** Records of what a hosted tool did, and items only OpenAI's servers can read: skipped. */
const SKIPPED_ITEMS = new Set([
  'reasoning',
  'compaction',
  'compaction_trigger',
  'configuration_update',
  'file_search_call',
  'web_search_call',
  'image_generation_call',
  'code_interpreter_call',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call'
])
const ITEM_TYPES = [
  'message',
  'function_call',
  'function_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
  'additional_tools',
  'item_reference',
  ...CALL_ITEMS,
  ...OUTPUT_ITEMS,
  ...SKIPPED_ITEMS
]

const Part = z.looseObject({ type: z.string() })
const MessageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(Part)])
})
const FunctionCallItem = z.looseObject({
  type: z.literal('function_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().nullable().optional(),
  arguments: z.string()
})
const CustomCallItem = z.looseObject({
  type: z.literal('custom_tool_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().nullable().optional(),
  input: z.string()
})
const ToolOutput = z.union([z.string(), z.array(Part)])
const OutputItem = z.looseObject({
  type: z.string(),
  call_id: z.string().min(1),
  output: z.unknown().optional()
})
const CallItem = z.looseObject({ type: z.string(), call_id: z.string().min(1) })
const ItemReference = z.looseObject({
  type: z.literal('item_reference').nullable().optional(),
  id: z.string().min(1)
})

const FunctionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional()
})
const CustomTool = z.looseObject({
  type: z.literal('custom'),
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  format: z
    .looseObject({
      type: z.string(),
      syntax: z.string().optional(),
      definition: z.string().optional()
    })
    .nullable()
    .optional()
})
const NamespaceTool = z.looseObject({
  type: z.literal('namespace'),
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  tools: z.array(z.union([FunctionTool, CustomTool]))
})
const TOOL_SCHEMAS: Record<string, z.ZodType> = {
  function: FunctionTool,
  custom: CustomTool,
  namespace: NamespaceTool
}
const Tool = z.looseObject({ type: z.string() }).superRefine((tool, ctx) => {
  const schema = TOOL_SCHEMAS[tool.type]
  if (!schema) {
    if (HOSTED_TOOLS.has(tool.type)) return
    ctx.addIssue({
      code: 'custom',
      path: ['type'],
      message: `unknown tool type "${tool.type}" (the Responses API defines ${[...CLIENT_TOOLS, ...HOSTED_TOOLS].join(', ')})`
    })
    return
  }
  const r = schema.safeParse(tool)
  if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom' })
})
export type ResponseTool = z.infer<typeof Tool>
export type FunctionToolT = z.infer<typeof FunctionTool>
export type CustomToolT = z.infer<typeof CustomTool>
export type NamespaceToolT = z.infer<typeof NamespaceTool>

/** Per item type, the schema its fields must meet (checked after the type is known). */
const ITEM_SCHEMAS: Record<string, z.ZodType> = {
  message: MessageItem,
  function_call: FunctionCallItem,
  custom_tool_call: CustomCallItem,
  function_call_output: OutputItem.extend({ output: ToolOutput }),
  custom_tool_call_output: OutputItem.extend({ output: ToolOutput }),
  item_reference: ItemReference,
  additional_tools: z.looseObject({ tools: z.array(Tool) }),
  ...Object.fromEntries([...CALL_ITEMS].map((t) => [t, CallItem])),
  ...Object.fromEntries([...OUTPUT_ITEMS].map((t) => [t, OutputItem]))
}

/** An item's type: its `type`, a message when it has a `role`, else an item reference. */
export function itemType(item: { type?: unknown; role?: unknown }): string {
  if (typeof item.type === 'string') return item.type
  return item.role !== undefined ? 'message' : 'item_reference'
}

const InputItem = z
  .looseObject({ type: z.string().nullable().optional(), id: z.string().nullable().optional() })
  .superRefine((item, ctx) => {
    const type = itemType(item)
    const schema = ITEM_SCHEMAS[type]
    if (!schema) {
      if (SKIPPED_ITEMS.has(type)) return
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `unknown input item type "${type}" (the Responses API defines ${ITEM_TYPES.join(', ')})`
      })
      return
    }
    const r = schema.safeParse(item)
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom' })
  })
export type ResponseInputItem = z.infer<typeof InputItem>

const TextFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().min(1),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().nullable().optional(),
    strict: z.boolean().nullable().optional()
  })
])

const CHOICE_SCHEMAS: Record<string, z.ZodType> = {
  allowed_tools: z.looseObject({
    mode: z.enum(['auto', 'required']),
    tools: z.array(z.looseObject({ type: z.string(), name: z.string().optional() }))
  }),
  function: z.looseObject({ name: z.string().min(1) }),
  custom: z.looseObject({ name: z.string().min(1) })
}
const ToolChoiceObject = z.looseObject({ type: z.string() }).superRefine((choice, ctx) => {
  const r = CHOICE_SCHEMAS[choice.type]?.safeParse(choice)
  if (r && !r.success)
    for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom' })
})
const ToolChoice = z.union([z.enum(['auto', 'none', 'required']), ToolChoiceObject])

export const ResponsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(InputItem).min(1)]),
  instructions: z.string().nullable().optional(),
  tools: z.array(Tool).nullable().optional(),
  tool_choice: ToolChoice.nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({}).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  max_output_tokens: z.number().int().positive().nullable().optional(),
  max_tool_calls: z.number().int().positive().nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  previous_response_id: z.string().min(1).nullable().optional(),
  store: z.boolean().nullable().optional(),
  include: z.array(z.string()).nullable().optional(),
  text: z
    .looseObject({
      format: TextFormat.nullable().optional(),
      verbosity: z.enum(['low', 'medium', 'high']).nullable().optional()
    })
    .nullable()
    .optional(),
  reasoning: z
    .looseObject({
      effort: z.string().nullable().optional(),
      summary: z.string().nullable().optional(),
      generate_summary: z.string().nullable().optional()
    })
    .nullable()
    .optional(),
  truncation: z.enum(['auto', 'disabled']).nullable().optional(),
  background: z.boolean().nullable().optional(),
  conversation: z.unknown().optional(),
  prompt: z.unknown().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  user: z.string().nullable().optional()
})
export type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>

/**
 * Request fields the Responses route itself reads (mapped onto chat fields or owned by llmnet);
 * every other field goes to the answering node as it was sent, as on chat completions.
 */
export const RESPONSES_OWNED_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'stream',
  'stream_options',
  'max_output_tokens',
  'max_tool_calls',
  'previous_response_id',
  'store',
  'include',
  'text',
  'reasoning',
  'top_logprobs',
  'truncation',
  'background',
  'conversation',
  'prompt'
])

/** The chat name of a tool inside a namespace: `NAMESPACE__NAME`. */
export function namespacedName(namespace: string | null | undefined, name: string): string {
  return namespace ? `${namespace}__${name}` : name
}

/** A content part as a chat content part, or a refusal naming it. */
function chatPart(p: Record<string, unknown>, at: string): Record<string, unknown> {
  switch (p.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return { type: 'text', text: typeof p.text === 'string' ? p.text : '' }
    case 'refusal':
      return { type: 'text', text: typeof p.refusal === 'string' ? p.refusal : '' }
    case 'input_image':
      if (typeof p.image_url === 'string')
        return {
          type: 'image_url',
          image_url: { url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) }
        }
      throw new FieldError(
        `${at}: an image by file_id needs OpenAI's Files API; send it as image_url (a data: URL)`,
        `${at}.file_id`
      )
    case 'input_file':
      if (typeof p.file_data === 'string')
        return {
          type: 'file',
          file: { file_data: p.file_data, ...(p.filename ? { filename: p.filename } : {}) }
        }
      throw new FieldError(
        `${at}: a file by file_id or file_url cannot be fetched here; send its file_data`,
        `${at}.file_data`
      )
    case 'input_audio':
      return { type: 'input_audio', input_audio: p.input_audio }
    default:
      throw new FieldError(
        `${at}.type: unknown content part type "${String(p.type)}"`,
        `${at}.type`
      )
  }
}

/** Parts as chat content: a string when they are all text, else a list of chat parts. */
function chatContent(
  content: string | Record<string, unknown>[],
  at: string
): ChatMessage['content'] {
  if (typeof content === 'string') return content
  const parts = content.map((p, j) => chatPart(p, `${at}.content[${j}]`))
  if (parts.every((p) => p.type === 'text')) return parts.map((p) => p.text as string).join('')
  return parts as ChatMessage['content']
}

function stringify(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v ?? '')
}

/**
 * The conversation as chat messages: `instructions` first, then each item. `resolve` finds an
 * `item_reference`'s item (a stored response's); an unknown reference is refused by index.
 */
export function responsesToMessages(
  instructions: string | null | undefined,
  input: string | ResponseInputItem[],
  resolve: (id: string) => ResponseInputItem | undefined = () => undefined
): { messages: ChatMessage[]; tools: ResponseTool[] } {
  const out: ChatMessage[] = []
  const extraTools: ResponseTool[] = []
  if (instructions) out.push({ role: 'system', content: instructions })
  if (typeof input === 'string') {
    out.push({ role: 'user', content: input })
    return { messages: out, tools: extraTools }
  }
  const called = new Set<string>()
  const pushCall = (id: string, name: string, args: string): void => {
    called.add(id)
    const call = { id, type: 'function', function: { name, arguments: args } }
    const last = out.at(-1)
    // Parallel calls of one turn are one assistant message with several tool calls.
    if (last?.role === 'assistant' && last.tool_calls && !last.content)
      last.tool_calls = [...last.tool_calls, call]
    else out.push({ role: 'assistant', content: null, tool_calls: [call] })
  }
  const pushOutput = (callId: string, output: unknown, at: string): void => {
    if (!Array.isArray(output)) {
      out.push({ role: 'tool', tool_call_id: callId, content: stringify(output) })
      return
    }
    const parts = (output as Record<string, unknown>[]).map((p, j) =>
      chatPart(p, `${at}.output[${j}]`)
    )
    const text = parts.filter((p) => p.type === 'text').map((p) => p.text as string)
    out.push({ role: 'tool', tool_call_id: callId, content: text.join('') })
    // Chat tool messages hold text only: a tool's images follow as the user's.
    const other = parts.filter((p) => p.type !== 'text')
    if (other.length > 0) out.push({ role: 'user', content: other as ChatMessage['content'] })
  }
  input.forEach((raw, i) => {
    const at = `input[${i}]`
    let item = raw as Record<string, unknown>
    let type = itemType(item)
    if (type === 'item_reference') {
      const found = resolve(String(item.id))
      if (!found)
        throw new FieldError(
          `${at}.id: no stored item "${String(item.id)}" (items are kept for responses created with store: true)`,
          `${at}.id`
        )
      item = found as Record<string, unknown>
      type = itemType(item)
    }
    if (type === 'message') {
      const m = item as z.infer<typeof MessageItem>
      out.push({ role: m.role, content: chatContent(m.content, at) })
    } else if (type === 'function_call') {
      const c = item as z.infer<typeof FunctionCallItem>
      pushCall(c.call_id, namespacedName(c.namespace, c.name), c.arguments)
    } else if (type === 'custom_tool_call') {
      const c = item as z.infer<typeof CustomCallItem>
      pushCall(c.call_id, namespacedName(c.namespace, c.name), JSON.stringify({ input: c.input }))
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      pushOutput(String(item.call_id), item.output, at)
    } else if (CALL_ITEMS.has(type)) {
      const { type: _t, id: _i, call_id, status: _s, ...rest } = item
      pushCall(String(call_id), type, JSON.stringify(rest))
    } else if (OUTPUT_ITEMS.has(type)) {
      // A client-run tool's output is sent only after its call, as a chat backend requires.
      if (called.has(String(item.call_id)))
        pushOutput(String(item.call_id), item.output ?? item, at)
    } else if (type === 'additional_tools') {
      extraTools.push(...(item.tools as ResponseTool[]))
    }
  })
  return { messages: out, tools: extraTools }
}

/** `text.format` as the chat `response_format`; plain text asks for nothing. */
export function responseFormat(
  req: ResponsesRequest
): { type: string; [k: string]: unknown } | undefined {
  const f = req.text?.format
  if (!f || f.type === 'text') return undefined
  if (f.type === 'json_object') return { type: 'json_object' }
  const {
    type: _t,
    name,
    schema,
    description,
    strict
  } = f as z.infer<typeof TextFormat> & {
    name: string
    schema: Record<string, unknown>
    description?: string | null
    strict?: boolean | null
  }
  return {
    type: 'json_schema',
    json_schema: {
      name,
      schema,
      ...(description ? { description } : {}),
      ...(typeof strict === 'boolean' ? { strict } : {})
    }
  }
}

/** Fields a Responses request cannot have here, with why: a 400 naming the first. */
export function refusedField(req: ResponsesRequest): FieldError | undefined {
  if (req.background === true)
    return new FieldError(
      'background responses are not supported: llmnet answers while the request is open; leave background out',
      'background'
    )
  if (req.conversation != null)
    return new FieldError(
      'conversation is not supported (llmnet has no Conversations API); use previous_response_id or send the input',
      'conversation'
    )
  if (req.prompt != null)
    return new FieldError(
      'prompt names a prompt template stored by OpenAI, which llmnet cannot read; send instructions and input',
      'prompt'
    )
  return undefined
}
