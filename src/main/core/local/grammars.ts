/**
 * @module The grammars the worker's requests ask for (`grammar` GBNF, `response_format`
 * json_object or json_schema), built once per distinct grammar and kept in a small cache: a router
 * sends the same schema on every decision. A schema that is a routing choice (one property whose
 * value is one of a list of strings) is recognised, so the worker can sample only the name.
 */
import type { GbnfJsonSchema, Llama, LlamaGrammar } from 'node-llama-cpp'
import type { ChatCompletionRequest } from '../../../shared/openai/chat'
import { HttpError } from './worker-http'

const GRAMMAR_CACHE_SIZE = 32

/** Our extension of the request: a GBNF grammar. */
export type CompletionBody = ChatCompletionRequest & {
  grammar?: unknown
  presence_penalty?: unknown
  frequency_penalty?: unknown
}

export class GrammarCache {
  private readonly cache = new Map<string, Promise<LlamaGrammar>>()

  constructor(private readonly llama: Llama) {}

  /** The grammar a request asks for: `response_format` json_schema / json_object, or `grammar` (GBNF). */
  async for(body: CompletionBody): Promise<LlamaGrammar | undefined> {
    const llama = this.llama
    const format = body.response_format ?? undefined
    const gbnf = body.grammar
    if (gbnf !== undefined && gbnf !== null && typeof gbnf !== 'string')
      throw new HttpError(400, 'grammar must be a GBNF string', 'invalid_request', 'grammar')
    if (typeof gbnf === 'string' && format && format.type !== 'text') {
      throw new HttpError(
        400,
        'use either grammar or response_format, not both',
        'invalid_request',
        'grammar'
      )
    }
    let key: string
    let create: () => Promise<LlamaGrammar>
    if (typeof gbnf === 'string' && gbnf.trim()) {
      key = `gbnf:${gbnf}`
      create = () => llama.createGrammar({ grammar: gbnf })
    } else if (format?.type === 'json_object') {
      key = 'json'
      create = () => llama.getGrammarFor('json')
    } else if (format?.type === 'json_schema') {
      const schema = (format as { json_schema?: { schema?: unknown } }).json_schema?.schema
      if (typeof schema !== 'object' || schema === null) {
        throw new HttpError(
          400,
          'response_format.json_schema.schema must be an object',
          'invalid_request',
          'response_format'
        )
      }
      key = `schema:${JSON.stringify(schema)}`
      create = () => llama.createGrammarForJsonSchema<GbnfJsonSchema>(schema as GbnfJsonSchema)
    } else if (!format || format.type === 'text') {
      return undefined
    } else {
      throw new HttpError(
        400,
        `response_format type "${format.type}" is not supported`,
        'invalid_request',
        'response_format'
      )
    }
    return this.cached(key, create)
  }

  /** A GBNF grammar (for internal use: built by the worker, so a failure is a bug). */
  gbnf(text: string): Promise<LlamaGrammar> {
    const llama = this.llama
    return this.cached(`gbnf:${text}`, () => llama.createGrammar({ grammar: text }))
  }

  private async cached(key: string, create: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
    let pending = this.cache.get(key)
    if (!pending) {
      pending = create()
      this.cache.set(key, pending)
      if (this.cache.size > GRAMMAR_CACHE_SIZE)
        this.cache.delete(this.cache.keys().next().value as string)
      pending.catch(() => this.cache.delete(key))
    }
    try {
      return await pending
    } catch (err) {
      const param = key.startsWith('gbnf:') ? 'grammar' : 'response_format'
      throw new HttpError(
        400,
        `cannot use this ${param}: ${(err as Error).message}`,
        'invalid_request',
        param
      )
    }
  }
}

/** A routing choice: the answer is `{"<property>": <one of options>}`. */
export interface Choice {
  property: string
  options: string[]
}

/**
 * The choice a request's `response_format` asks for, when its JSON schema is an object with exactly
 * one required property whose value is an enum of distinct non-empty strings (what the engine's
 * router sends); otherwise undefined.
 */
export function choiceOf(body: CompletionBody): Choice | undefined {
  const format = body.response_format as
    { type?: string; json_schema?: { schema?: unknown } } | null | undefined
  if (format?.type !== 'json_schema') return undefined
  const schema = format.json_schema?.schema as
    { type?: unknown; properties?: unknown; required?: unknown } | undefined
  if (!schema || schema.type !== 'object' || typeof schema.properties !== 'object') return undefined
  const props = Object.entries(schema.properties as Record<string, { enum?: unknown }>)
  const [entry] = props
  if (props.length !== 1 || !entry) return undefined
  const [property, value] = entry
  const required = schema.required
  if (!Array.isArray(required) || required.length !== 1 || required[0] !== property)
    return undefined
  const options = value?.enum
  if (!Array.isArray(options) || options.length === 0) return undefined
  if (!options.every((o): o is string => typeof o === 'string' && o.length > 0)) return undefined
  if (new Set(options).size !== options.length) return undefined
  return { property, options }
}

/** A GBNF string literal: quotes and backslashes escaped, control characters as `\xHH`. */
function literal(text: string): string {
  let out = ''
  for (const c of text) {
    const code = c.charCodeAt(0)
    if (c === '"' || c === '\\') out += `\\${c}`
    else if (code < 0x20) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += c
  }
  return `"${out}"`
}

/** The GBNF of one of `suffixes` (an empty suffix makes the whole choice optional). */
export function alternationGbnf(suffixes: readonly string[]): string {
  const words = suffixes.filter((s) => s.length > 0).map(literal)
  const body = words.join(' | ')
  return suffixes.some((s) => s.length === 0) ? `root ::= ( ${body} )?` : `root ::= ${body}`
}
