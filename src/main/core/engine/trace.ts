import type { Usage } from '../../../shared/openai/chat'

// The trace's shape is shared with the CLI, the store and the control API.
export type { DecisionSource, HopTrace, Trace } from '../../../shared/trace'

export const ZERO_USAGE: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }

/** `completion_tokens_details` (reasoning_tokens…) summed field by field. */
function sumDetails(
  a: Record<string, number> | undefined,
  b: Record<string, number> | undefined
): Record<string, number> | undefined {
  if (!a || !b) return a ?? (b && { ...b })
  const out = { ...a }
  for (const [k, v] of Object.entries(b)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + v
  return out
}

/** A hop's token counts from a backend's usage (see the `tokens` field of a hop). */
export function hopTokens(
  usage: Usage | undefined
): { evaluated: number; cached: number; generated: number } | undefined {
  if (!usage) return undefined
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0
  const sampled = (usage as { completion_tokens_details?: { sampled_tokens?: number } })
    .completion_tokens_details?.sampled_tokens
  return {
    evaluated: usage.prompt_tokens - cached,
    cached,
    generated: sampled ?? usage.completion_tokens
  }
}

export function addUsage(a: Usage, b: Usage | undefined): Usage {
  if (!b) return a
  const sum: Usage = {
    prompt_tokens: a.prompt_tokens + (b.prompt_tokens ?? 0),
    completion_tokens: a.completion_tokens + (b.completion_tokens ?? 0),
    total_tokens:
      a.total_tokens + (b.total_tokens ?? (b.prompt_tokens ?? 0) + (b.completion_tokens ?? 0))
  }
  const cached = a.prompt_tokens_details?.cached_tokens
  const more = b.prompt_tokens_details?.cached_tokens
  if (cached !== undefined || more !== undefined) {
    sum.prompt_tokens_details = { cached_tokens: (cached ?? 0) + (more ?? 0) }
  }
  const details = sumDetails(a.completion_tokens_details, b.completion_tokens_details)
  if (details) sum.completion_tokens_details = details
  return sum
}
