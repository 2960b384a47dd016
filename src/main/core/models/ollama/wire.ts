/**
 * @module OpenAI chat requests and answers in the terms of Ollama's native `/api/chat`: which
 * client fields map where (sampler settings into `options`, `reasoning_effort` into `think`,
 * legacy `functions` into `tools`), which are advisory and not sent, and which are refused.
 */
import type { ChatRequest, ChatResponse, Logprob, Message, Options, Tool, ToolCall } from 'ollama'
import {
  ADVISORY_FIELDS,
  type ChatMessage,
  type ChoiceLogprobs,
  type Usage
} from '../../../../shared/openai/chat'
import { OLLAMA_PARAMETERS } from '../../../../shared/config/model-parameters'
import { AppError } from '../../errors'
import { choiceStringSchema, type ProviderRequest } from '../../providers/provider'

/** Request parameters that map straight onto Ollama `options` (`stop` is mapped on its own). */
const OPTION_KEYS = OLLAMA_PARAMETERS.filter((k) => k !== 'stop')

/** Client fields the native request maps (besides OPTION_KEYS). */
const MAPPED_KEYS = new Set<string>([
  ...OPTION_KEYS,
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'tools',
  'tool_choice',
  'functions',
  'function_call',
  'response_format',
  'reasoning_effort',
  'logprobs',
  'top_logprobs',
  // Ollama's own fields, for clients that know they talk to Ollama.
  'think',
  'keep_alive',
  'format',
  'options'
])

/** OpenAI's reasoning efforts as Ollama's `think`. */
function thinkOf(effort: unknown): ChatRequest['think'] {
  if (effort === 'none' || effort === 'minimal') return false
  if (effort === 'low' || effort === 'medium' || effort === 'high') return effort
  throw new AppError(
    'invalid_request',
    `reasoning_effort ${JSON.stringify(effort)} has no equivalent on Ollama: use none, minimal, low, medium or high`,
    { param: 'reasoning_effort' }
  )
}

/** Ollama's per-token log probabilities in OpenAI's shape. */
export function toOpenAILogprobs(list: Logprob[] | undefined): ChoiceLogprobs | undefined {
  if (!list?.length) return undefined
  const bytes = (t: string): number[] => [...Buffer.from(t, 'utf8')]
  return {
    content: list.map((l) => ({
      token: l.token,
      logprob: l.logprob,
      bytes: bytes(l.token),
      top_logprobs: (l.top_logprobs ?? []).map((t) => ({
        token: t.token,
        logprob: t.logprob,
        bytes: bytes(t.token)
      }))
    })),
    refusal: null
  }
}

function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content))
    return content.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('')
  return ''
}

function toOllamaToolCall(call: unknown): ToolCall | undefined {
  const fn = (call as { function?: { name?: unknown; arguments?: unknown } })?.function
  if (!fn || typeof fn.name !== 'string') return undefined
  let args: Record<string, unknown> = {}
  if (typeof fn.arguments === 'string') {
    try {
      args = JSON.parse(fn.arguments) as Record<string, unknown>
    } catch {
      args = {}
    }
  } else if (fn.arguments && typeof fn.arguments === 'object') {
    args = fn.arguments as Record<string, unknown>
  }
  return { function: { name: fn.name, arguments: args } }
}

function toOllamaMessage(m: ChatMessage): Message {
  const role = m.role === 'developer' ? 'system' : m.role === 'function' ? 'tool' : m.role
  const out: Message = { role, content: contentText(m.content) }
  const calls = (m.tool_calls ?? [])
    .map(toOllamaToolCall)
    .filter((c): c is ToolCall => c !== undefined)
  if (calls.length) out.tool_calls = calls
  if (role === 'tool' && m.name) out.tool_name = m.name
  return out
}

/** Ollama's tool calls as OpenAI's; `first` numbers them on from the calls already streamed. */
export function toOpenAIToolCalls(calls: ToolCall[] | undefined, first = 0): unknown[] | undefined {
  if (!calls?.length) return undefined
  return calls.map((c, i) => ({
    index: first + i,
    id: `call_${first + i}`,
    type: 'function',
    function: { name: c.function.name, arguments: JSON.stringify(c.function.arguments ?? {}) }
  }))
}

export function usageOf(r: Partial<ChatResponse>): Usage | undefined {
  if (r.prompt_eval_count === undefined && r.eval_count === undefined) return undefined
  const prompt = r.prompt_eval_count ?? 0
  const completion = r.eval_count ?? 0
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
}

export function finishOf(r: Partial<ChatResponse>, sawToolCalls: boolean): string {
  if (sawToolCalls) return 'tool_calls'
  return r.done_reason === 'length' ? 'length' : 'stop'
}

/**
 * The native chat request for a provider request: messages, `options` (temperature, top_p,
 * num_predict from max_tokens, stop, seed, top_k, min_p…), `format` from `req.choice` (a JSON
 * schema with the route enum) or from `response_format`, tools, `think`, log probabilities. A
 * field with no equivalent is refused (400 naming it), never dropped silently.
 */
export function ollamaChatRequest(
  req: ProviderRequest,
  keepAlive: string | number | undefined,
  /** The composition's `parameters` as Ollama options; the request's own values win. */
  defaults: Record<string, unknown> = {}
): ChatRequest {
  const p = req.params
  for (const k in p) {
    if (!MAPPED_KEYS.has(k) && !ADVISORY_FIELDS.has(k))
      throw new AppError(
        'invalid_request',
        `"${k}" cannot be sent to ${req.model} on Ollama's native API, which has no such parameter; leave it out, or serve the model through Ollama's /v1 (adapter openai-api)`,
        { param: k }
      )
  }
  const raw = p.options
  const options: Partial<Options> = {
    ...(defaults as Partial<Options>),
    ...(raw && typeof raw === 'object' ? (raw as Partial<Options>) : {})
  }
  const o = options as Record<string, unknown>
  for (const k of OPTION_KEYS) if (p[k] !== undefined && p[k] !== null) o[k] = p[k]
  const maxTokens = p.max_completion_tokens ?? p.max_tokens
  if (typeof maxTokens === 'number' && o.num_predict === undefined) o.num_predict = maxTokens
  if (typeof p.stop === 'string') options.stop = [p.stop]
  else if (Array.isArray(p.stop)) options.stop = p.stop.map(String)
  const body: ChatRequest = { model: req.model, messages: req.messages.map(toOllamaMessage) }
  if (Object.keys(options).length) body.options = options
  if (keepAlive !== undefined) body.keep_alive = keepAlive
  const functions = Array.isArray(p.functions)
    ? p.functions.map((f) => ({ type: 'function', function: f }) as Tool)
    : []
  const tools = [...(Array.isArray(p.tools) ? (p.tools as Tool[]) : []), ...functions]
  // Ollama has no tool_choice: "none" is honoured by not offering the tools.
  const none = p.tool_choice === 'none' || p.function_call === 'none'
  if (tools.length && !none) body.tools = tools
  if (p.reasoning_effort !== undefined) body.think = thinkOf(p.reasoning_effort)
  if (p.think !== undefined) body.think = p.think as ChatRequest['think']
  if (p.keep_alive !== undefined) body.keep_alive = p.keep_alive as string | number
  if (p.logprobs === true) body.logprobs = true
  if (typeof p.top_logprobs === 'number') body.top_logprobs = p.top_logprobs
  if (p.format !== undefined) body.format = p.format as ChatRequest['format']
  const rf = p.response_format as
    { type?: string; json_schema?: { schema?: unknown } } | null | undefined
  if (rf?.type === 'json_object') body.format = 'json'
  else if (
    rf?.type === 'json_schema' &&
    rf.json_schema?.schema &&
    typeof rf.json_schema.schema === 'object'
  )
    body.format = rf.json_schema.schema
  if (req.choice) body.format = choiceStringSchema(req.choice.options)
  return body
}
