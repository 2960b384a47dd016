import type { Usage } from '../../../shared/openai/chat'

/** How a hop's next node was decided. */
export type DecisionSource = 'model' | 'single-candidate' | 'default-route' | 'terminal'

export interface HopTrace {
  node: string
  /** `route`: a model chose the next node; `answer`: the node produced text; `output`/`tap`: the end. */
  action: 'route' | 'answer' | 'output' | 'tap' | 'hook'
  model?: string
  provider?: string
  candidates?: string[]
  /** Candidates removed by their `if`. */
  filtered?: { node: string; condition: string }[]
  decision?: string
  decisionSource?: DecisionSource
  /** The router's raw answer(s), one per attempt. */
  rawAnswers?: string[]
  constrained?: boolean
  streamed?: boolean
  startedAt: number
  durationMs: number
  /** Time to the first streamed token. */
  ttftMs?: number
  usage?: Usage
  error?: string
  /** Hook hops: the function called and its mode. */
  function?: string
  mode?: string
}

export interface Trace {
  id: string
  pipeline: string
  stream: boolean
  /** Epoch milliseconds, like each hop's. */
  startedAt: number
  durationMs: number
  status: 'ok' | 'error'
  error?: { code: string; message: string }
  route: string[]
  hops: HopTrace[]
  usage: Usage
}

export const ZERO_USAGE: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }

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
  return sum
}
