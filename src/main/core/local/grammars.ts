/**
 * @module The grammars the worker's requests ask for (`grammar` GBNF, `response_format`
 * json_object or json_schema), built once per distinct grammar and kept in a small cache: a router
 * sends the same schema on every decision.
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
