/** @module Function routes: a pipeline's functions, and one test call (`llmnet functions test`). */
import { z } from 'zod'
import { PipelineNameSchema, defineRoutes, route } from './define'

export const FunctionInfoSchema = z.object({
  name: z.string(),
  type: z.enum(['rest', 'shell', 'websocket', 'grpc']),
  /** The hooks that call it, as `node:phase`. */
  usedBy: z.array(z.string())
})

export const functionsRoutes = defineRoutes('functions', {
  'functions.list': route(
    z.strictObject({ pipeline: PipelineNameSchema }),
    z.object({ functions: z.array(FunctionInfoSchema) })
  ),
  /** Runs one function with `$INPUT` (and `$OUTPUT`) set, as a hook would. */
  'functions.test': route(
    z.strictObject({
      pipeline: PipelineNameSchema,
      name: z.string().min(1),
      input: z.string().max(1_000_000),
      output: z.string().max(1_000_000).optional()
    }),
    z.object({
      ok: z.boolean(),
      /** Parsed JSON when the function answered JSON, else its text. */
      output: z.unknown(),
      error: z.string().nullable(),
      durationMs: z.number(),
      notes: z.array(z.string())
    })
  )
})
