/**
 * @module The tools of a Responses request as chat function tools: `function` as it is; the
 * function and custom tools of a `namespace` under the name `NAMESPACE__NAME`; `custom`
 * (freeform) tools as a function taking one string `input`; hosted tools left out and named in
 * {@link MappedTools.dropped}. Each chat name maps back to the tool its calls belong to.
 */
import {
  type CustomToolT,
  FieldError,
  type FunctionToolT,
  namespacedName,
  type NamespaceToolT,
  type ResponsesRequest,
  type ResponseTool
} from './responses'

/** How a call to a chat function name goes back: a function or a custom tool's call. */
export interface ToolTarget {
  kind: 'function' | 'custom'
  name: string
  namespace?: string
}

/** The tools as the model sees them, and how their calls map back. */
export interface MappedTools {
  tools?: unknown[]
  tool_choice?: unknown
  /** Hosted tool types left out (no node here can run them), in order, once each. */
  dropped: string[]
  /** Chat function name → the Responses tool it stands for. */
  targets: Map<string, ToolTarget>
}

function chatFunction(name: string, t: FunctionToolT): Record<string, unknown> {
  return {
    type: 'function',
    function: {
      name,
      ...(t.description ? { description: t.description } : {}),
      parameters: t.parameters ?? { type: 'object', properties: {} },
      ...(typeof t.strict === 'boolean' ? { strict: t.strict } : {})
    }
  }
}

/** A freeform tool as a function of one string, its grammar (if any) in the description. */
function chatCustom(name: string, t: CustomToolT): Record<string, unknown> {
  const f = t.format
  const grammar =
    f?.type === 'grammar' && f.definition
      ? `\nThe input must follow this ${f.syntax ?? ''} grammar:\n${f.definition}`
      : ''
  return {
    type: 'function',
    function: {
      name,
      description: `${t.description ?? ''}${grammar}`.trim() || `The ${name} tool`,
      parameters: {
        type: 'object',
        properties: { input: { type: 'string', description: 'The raw input of the tool' } },
        required: ['input'],
        additionalProperties: false
      }
    }
  }
}

/** Responses tools (those of the request and of `additional_tools` items) as chat tools. */
export function mapTools(
  tools: ResponseTool[],
  choice: ResponsesRequest['tool_choice']
): MappedTools {
  const out: { name: string; tool: Record<string, unknown>; type: string; label?: string }[] = []
  const dropped: string[] = []
  const targets = new Map<string, ToolTarget>()
  const add = (t: FunctionToolT | CustomToolT, namespace?: string): void => {
    const name = namespacedName(namespace, t.name)
    targets.set(name, { kind: t.type, name: t.name, ...(namespace ? { namespace } : {}) })
    out.push({
      name,
      type: t.type,
      tool: t.type === 'custom' ? chatCustom(name, t) : chatFunction(name, t)
    })
  }
  for (const raw of tools) {
    if (raw.type === 'function' || raw.type === 'custom') add(raw as FunctionToolT | CustomToolT)
    else if (raw.type === 'namespace') {
      const ns = raw as NamespaceToolT
      for (const t of ns.tools) add(t, ns.name)
    } else if (!dropped.includes(raw.type)) dropped.push(raw.type)
  }
  let offered = out
  let tool_choice: unknown = choice ?? undefined
  const resolve = (name: string): string =>
    targets.has(name) ? name : ([...targets].find(([, t]) => t.name === name)?.[0] ?? name)
  if (choice && typeof choice === 'object') {
    if (choice.type === 'allowed_tools') {
      const allowed = (choice as unknown as { tools: { type: string; name?: string }[] }).tools
      const names = new Set(allowed.filter((a) => a.name).map((a) => resolve(a.name as string)))
      offered = out.filter((t) => names.has(t.name))
      tool_choice = (choice as unknown as { mode: string }).mode
    } else if ((choice.type === 'function' || choice.type === 'custom') && 'name' in choice) {
      tool_choice = { type: 'function', function: { name: resolve(String(choice.name)) } }
    } else {
      throw new FieldError(
        `tool_choice forces the hosted tool "${choice.type}", which no node here can run; ` +
          'offer it a function tool instead',
        'tool_choice'
      )
    }
  }
  return {
    ...(offered.length > 0 ? { tools: offered.map((t) => t.tool) } : {}),
    ...(tool_choice !== undefined && offered.length > 0 ? { tool_choice } : {}),
    dropped,
    targets
  }
}
