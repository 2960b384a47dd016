/**
 * @module Evaluation routes: stored evaluation sets (JSONL text), cases added from traces, runs of
 * a set against a pipeline (or a stored version, or two side by side) and their stored reports.
 * A run is started, reports progress as `eval.progress` events and ends with `eval.done`.
 */
import { z } from 'zod'
import { EvalReportSchema } from '../eval/score'
import { NoInput, PipelineNameSchema, defineRoutes, route } from './define'
import { DiagnosticSchema } from './pipelines'

/** An evaluation set's name: same rule as a pipeline's. */
export const EvalSetNameSchema = PipelineNameSchema

/** What a run evaluates: a served pipeline, or one stored version of a library pipeline. */
export const EvalTargetSchema = z.strictObject({
  pipeline: PipelineNameSchema,
  version: z.number().int().positive().optional()
})
export type EvalTarget = z.infer<typeof EvalTargetSchema>

export const EvalSetSummarySchema = z.object({
  name: EvalSetNameSchema,
  cases: z.number().int(),
  updatedAt: z.number(),
  /** The newest run's accuracy and pass count, when it has been run. */
  lastRun: z
    .object({
      id: z.string(),
      startedAt: z.number(),
      accuracy: z.number().nullable(),
      passed: z.number(),
      total: z.number()
    })
    .nullable()
})

export const EvalRunSummarySchema = z.object({
  id: z.string(),
  set: z.string(),
  target: EvalTargetSchema,
  against: EvalTargetSchema.nullable(),
  startedAt: z.number(),
  durationMs: z.number().nullable(),
  status: z.enum(['running', 'done', 'failed', 'cancelled']),
  error: z.string().nullable(),
  total: z.number().int(),
  passed: z.number().int().nullable(),
  accuracy: z.number().nullable(),
  againstAccuracy: z.number().nullable()
})

export const EvalChangeSchema = z.object({
  id: z.string(),
  before: z.object({ passed: z.boolean(), actualRoute: z.string().optional() }),
  after: z.object({ passed: z.boolean(), actualRoute: z.string().optional() })
})

export const EvalRunSchema = EvalRunSummarySchema.extend({
  report: EvalReportSchema.nullable(),
  againstReport: EvalReportSchema.nullable(),
  /** Cases whose outcome differs between the two pipelines, when run against another. */
  changed: z.array(EvalChangeSchema)
})

const SetName = z.strictObject({ name: EvalSetNameSchema })

export const evalsRoutes = defineRoutes('evals', {
  'evals.list': route(NoInput, z.object({ sets: z.array(EvalSetSummarySchema) })),
  'evals.get': route(
    SetName,
    z.object({
      name: EvalSetNameSchema,
      text: z.string(),
      updatedAt: z.number(),
      diagnostics: z.array(DiagnosticSchema)
    })
  ),
  /** Creates or replaces a set; refused (400, with the diagnostics) when a line is invalid. */
  'evals.save': route(
    z.strictObject({ name: EvalSetNameSchema, text: z.string().max(8 * 1024 * 1024) }),
    z.object({ name: EvalSetNameSchema, cases: z.number().int() })
  ),
  'evals.delete': route(SetName, z.object({ deleted: z.boolean() })),
  /**
   * Appends a case made from a stored trace: its messages as the input, and as the expected route
   * the given node (a correction) or the node the trace's request was routed to.
   */
  'evals.add_case': route(
    z.strictObject({
      set: EvalSetNameSchema,
      traceId: z.string().min(1),
      route: z.string().min(1).max(200).optional(),
      id: z.string().min(1).max(200).optional()
    }),
    z.object({
      set: EvalSetNameSchema,
      id: z.string(),
      line: z.number().int(),
      cases: z.number().int()
    })
  ),
  /** Starts a run of a stored set (or of `cases`, JSONL text) and returns its id at once. */
  'evals.run': route(
    z
      .strictObject({
        set: EvalSetNameSchema.optional(),
        cases: z
          .string()
          .max(8 * 1024 * 1024)
          .optional(),
        target: EvalTargetSchema,
        against: EvalTargetSchema.optional(),
        concurrency: z.number().int().min(1).max(64).default(4)
      })
      .refine((v) => (v.set === undefined) !== (v.cases === undefined), {
        message: 'give exactly one of "set" (a stored set) or "cases" (JSONL text)',
        path: ['set']
      }),
    z.object({ id: z.string(), total: z.number().int() })
  ),
  'evals.cancel': route(
    z.strictObject({ id: z.string().min(1) }),
    z.object({ cancelled: z.boolean() })
  ),
  'evals.runs': route(
    z
      .strictObject({
        set: EvalSetNameSchema.optional(),
        limit: z.number().int().min(1).max(200).default(50)
      })
      .default({ limit: 50 }),
    z.object({ runs: z.array(EvalRunSummarySchema) })
  ),
  'evals.run_get': route(z.strictObject({ id: z.string().min(1) }), EvalRunSchema)
})

/** Events of a run, for live progress. */
export const EVAL_EVENTS = {
  'eval.progress': z.object({
    id: z.string(),
    done: z.number().int(),
    total: z.number().int(),
    passed: z.number().int()
  }),
  'eval.done': EvalRunSummarySchema
}
