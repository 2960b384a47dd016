/**
 * @module OpenAI embeddings wire types: `input` is a string, strings, or token arrays;
 * `encoding_format` is `float` (default) or `base64` (little-endian float32, what the SDKs ask for).
 */
import { z } from 'zod'

const Tokens = z.array(z.number().int().min(0))

export const EmbeddingsRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    Tokens.min(1),
    z.array(Tokens.min(1)).min(1).max(2048)
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().nullable().optional()
})
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequestSchema>

export interface Embedding {
  object: 'embedding'
  index: number
  embedding: number[] | string
}

export interface EmbeddingsResponse {
  object: 'list'
  data: Embedding[]
  model: string
  usage: { prompt_tokens: number; total_tokens: number }
}

/** The inputs as a list (one string, or one token array, becomes a list of one). */
export function embeddingInputs(input: EmbeddingsRequest['input']): (string | number[])[] {
  if (typeof input === 'string') return [input]
  if (input.length > 0 && typeof input[0] === 'number') return [input as number[]]
  return input as (string | number[])[]
}
