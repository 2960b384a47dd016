/**
 * @module A request's trace: which nodes it passed, what each decided, timings and usage. The
 * engine builds it, the CLI prints it, the store keeps it and the control API returns it, all
 * with this one schema.
 */
import { z } from 'zod'
import { ChatMessageSchema } from './openai/chat'

/** Token counts in OpenAI's shape. */
export const UsageSchema = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  /** Prompt tokens a backend reused from its cache instead of evaluating (OpenAI's field). */
  prompt_tokens_details: z.object({ cached_tokens: z.number().optional() }).optional()
})

/** How a hop's next node was decided. */
export const DecisionSourceSchema = z.enum([
  'model',
  'single-candidate',
  'default-route',
  'terminal'
])
export type DecisionSource = z.infer<typeof DecisionSourceSchema>

export const HopTraceSchema = z.object({
  node: z.string(),
  /** `route`: a model chose the next node; `answer`: the node produced text; `output`/`tap`: the end. */
  action: z.enum(['route', 'answer', 'output', 'tap', 'hook']),
  model: z.string().optional(),
  provider: z.string().optional(),
  candidates: z.array(z.string()).optional(),
  /** Candidates removed by their `if`. */
  filtered: z.array(z.object({ node: z.string(), condition: z.string() })).optional(),
  decision: z.string().optional(),
  decisionSource: DecisionSourceSchema.optional(),
  /** The router's raw answer(s), one per attempt. */
  rawAnswers: z.array(z.string()).optional(),
  constrained: z.boolean().optional(),
  streamed: z.boolean().optional(),
  startedAt: z.number(),
  durationMs: z.number(),
  /** Time to the first streamed token. */
  ttftMs: z.number().optional(),
  usage: UsageSchema.optional(),
  /**
   * Tokens of the hop's model calls: prompt tokens evaluated and reused from the backend's cache,
   * and answer tokens sampled (a local routing decision completes a name without sampling, so it
   * may sample fewer than `usage.completion_tokens`).
   */
  tokens: z.object({ evaluated: z.number(), cached: z.number(), generated: z.number() }).optional(),
  /** Time this hop waited for its model to load (included in `durationMs`). */
  loadMs: z.number().optional(),
  error: z.string().optional(),
  /** Hook hops: the function called and its mode. */
  function: z.string().optional(),
  mode: z.string().optional()
})
export type HopTrace = z.infer<typeof HopTraceSchema>

export const TraceSchema = z.object({
  id: z.string(),
  pipeline: z.string(),
  stream: z.boolean(),
  /** Epoch milliseconds, like each hop's. */
  startedAt: z.number(),
  durationMs: z.number(),
  status: z.enum(['ok', 'error']),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** The local app that sent the request, when it presented a known app token. */
  app: z.string().optional(),
  route: z.array(z.string()),
  hops: z.array(HopTraceSchema),
  usage: UsageSchema,
  /** The client's messages, when the runtime records exchanges (the app and `serve` do). */
  request: z
    .object({
      messages: z.array(ChatMessageSchema),
      /** The client's other parameters (temperature, max_tokens…), so a replay can reuse them. */
      params: z.record(z.string(), z.unknown()).optional()
    })
    .optional(),
  /** The final answer's text as the client received it, when exchanges are recorded. */
  answer: z.string().optional()
})
export type Trace = z.infer<typeof TraceSchema>
