/**
 * @module The objects a Responses answer is made of: the `response` object itself (sent whole,
 * or in response.created and response.completed), its usage, and its output items (message,
 * reasoning, function and custom tool calls), each in its in-progress or finished form.
 */
import type { Usage } from '../../../../shared/openai/chat'
import type { ResponsesRequest } from '../../../../shared/openai/responses'
import type { ResponseOutputItem, ResponseUsage } from '../../../../shared/openai/responses-output'
import type { MappedTools } from '../../../../shared/openai/responses-tools'
import { type ToolCall, unixNow } from './engine-route'

function responseUsage(u: Usage): ResponseUsage {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: u.total_tokens
  }
}

type Status = 'in_progress' | 'completed' | 'incomplete' | 'failed'

/** The response object, as sent whole or in response.created / response.completed. */
export function responseObject(
  id: string,
  created: number,
  p: { body: ResponsesRequest },
  status: Status,
  output: ResponseOutputItem[],
  usage: Usage | null,
  extra: Record<string, unknown> = {}
): Record<string, unknown> {
  const body = p.body
  return {
    id,
    object: 'response',
    created_at: created,
    status,
    ...(status === 'completed' ? { completed_at: unixNow() } : {}),
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: body.max_tool_calls ?? null,
    model: body.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: {
      effort: body.reasoning?.effort ?? null,
      summary: body.reasoning?.summary ?? null
    },
    store: body.store !== false,
    temperature: body.temperature ?? null,
    text: {
      format: body.text?.format ?? { type: 'text' },
      verbosity: body.text?.verbosity ?? null
    },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_logprobs: body.top_logprobs ?? null,
    top_p: body.top_p ?? null,
    truncation: body.truncation ?? 'disabled',
    usage: usage ? responseUsage(usage) : null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
    ...extra
  }
}

/** Why an answer stopped short (`incomplete_details.reason`), from the chat finish reason. */
export function incompleteReason(finish: string | null): string | undefined {
  if (finish === 'length') return 'max_output_tokens'
  if (finish === 'content_filter') return 'content_filter'
  return undefined
}

type ItemStatus = 'in_progress' | 'completed' | 'incomplete'

export function messageItem(
  id: string,
  text: string,
  status: ItemStatus,
  logprobs: unknown[] = []
): ResponseOutputItem {
  return {
    type: 'message',
    id,
    status,
    role: 'assistant',
    content:
      status === 'in_progress' ? [] : [{ type: 'output_text', text, annotations: [], logprobs }]
  }
}

/** The token log probabilities of a delta (chat's `logprobs.content`, the same entries). */
export function tokenLogprobs(d: { logprobs?: { content?: unknown[] | null } }): unknown[] {
  return d.logprobs?.content ?? []
}

export function reasoningItem(id: string, text: string, status: ItemStatus): ResponseOutputItem {
  const done = status !== 'in_progress'
  return {
    type: 'reasoning',
    id,
    status,
    summary: done ? [{ type: 'summary_text', text }] : [],
    content: done ? [{ type: 'reasoning_text', text }] : [],
    encrypted_content: null
  }
}

/** A chat tool call as the Responses item of the tool it stands for. */
export function callItem(
  id: string,
  call: ToolCall,
  status: ItemStatus,
  tools: MappedTools
): ResponseOutputItem {
  const target = tools.targets.get(call.name)
  const ns = target?.namespace ? { namespace: target.namespace } : {}
  const args = status === 'in_progress' ? '' : call.arguments
  if (target?.kind === 'custom') {
    return {
      type: 'custom_tool_call',
      id: id.replace(/^fc_/, 'ctc_'),
      call_id: call.id,
      name: target.name,
      ...ns,
      input: status === 'in_progress' ? '' : customInput(args),
      status
    }
  }
  return {
    type: 'function_call',
    id,
    call_id: call.id,
    name: target?.name ?? call.name,
    ...ns,
    arguments: args,
    status
  }
}

/** A freeform tool's input, from the `{input}` object the model was asked for. */
function customInput(args: string): string {
  try {
    const parsed = JSON.parse(args) as unknown
    if (
      parsed &&
      typeof parsed === 'object' &&
      typeof (parsed as { input?: unknown }).input === 'string'
    )
      return (parsed as { input: string }).input
  } catch {
    // Not the object asked for: the model's text is the input.
  }
  return args
}
