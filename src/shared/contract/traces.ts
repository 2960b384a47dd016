/** @module Trace routes: the stored request traces, filtered and paged newest first. */
import { z } from 'zod'
import { TraceSchema } from '../trace'
import { PipelineNameSchema, defineRoutes, route } from './define'

/** A trace without its hops, for lists. */
export const TraceSummarySchema = TraceSchema.omit({ hops: true })

export const tracesRoutes = defineRoutes('traces', {
  'traces.list': route(
    z
      .strictObject({
        pipeline: PipelineNameSchema.optional(),
        status: z.enum(['ok', 'error']).optional(),
        /** Traces whose route passed through this node. */
        node: z.string().min(1).max(200).optional(),
        /** Epoch milliseconds, inclusive. */
        since: z.number().optional(),
        until: z.number().optional(),
        limit: z.number().int().min(1).max(500).default(50),
        /** The `nextCursor` of the previous page. */
        cursor: z.string().optional()
      })
      .default({ limit: 50 }),
    z.object({ traces: z.array(TraceSummarySchema), nextCursor: z.string().nullable() })
  ),
  'traces.get': route(z.strictObject({ id: z.string().min(1) }), TraceSchema)
})
