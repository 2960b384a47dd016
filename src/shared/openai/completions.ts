/**
 * @module OpenAI's legacy completions wire types (`POST /v1/completions`), as editor autocomplete
 * (Continue, Tabby) uses them: `prompt`, and `suffix` for fill-in-the-middle.
 */
import { z } from 'zod'

export const CompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  suffix: z.string().nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .optional(),
  seed: z.number().int().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  n: z.number().int().min(1).max(1).nullable().optional(),
  echo: z.literal(false).nullable().optional(),
  best_of: z.number().int().min(1).max(1).nullable().optional()
})
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>

export interface TextCompletion {
  id: string
  object: 'text_completion'
  created: number
  model: string
  choices: { index: number; text: string; finish_reason: string | null; logprobs: null }[]
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
}

/** The prompt as one string (`["text"]` is accepted as `"text"`). */
export function promptText(prompt: CompletionRequest['prompt']): string {
  return typeof prompt === 'string' ? prompt : (prompt[0] ?? '')
}
