/**
 * @module Pipeline routes: the library (save, versions, restore, diff), what is loaded, the
 * default, and validation for the editor.
 */
import { z } from 'zod'
import { NoInput, PipelineNameSchema, defineRoutes, route } from './define'

export const PipelineFormatSchema = z.enum(['json', 'yaml'])

/** One problem in a pipeline's text, where the editor shows it. */
export const DiagnosticSchema = z.object({
  severity: z.enum(['error', 'warning']),
  /** Stable kebab-case identifier, e.g. `unknown-key`. */
  code: z.string(),
  message: z.string(),
  path: z.array(z.union([z.string(), z.number()])).readonly(),
  line: z.number().int(),
  column: z.number().int()
})

export const PipelineSummarySchema = z.object({
  name: PipelineNameSchema,
  /** `library`: stored in SQLite; `file`: a watched file. */
  source: z.enum(['library', 'file']),
  /** The watched file, or null for a library pipeline. */
  path: z.string().nullable(),
  enabled: z.boolean(),
  isDefault: z.boolean(),
  status: z.enum(['loaded', 'error', 'disabled']),
  /** Why it failed to compile (first problem), when `status` is `error`. */
  error: z.string().nullable(),
  /** The library version being served; null for files. */
  version: z.number().int().nullable(),
  updatedAt: z.number().nullable()
})

const VersionInfoSchema = z.object({
  version: z.number().int().positive(),
  createdAt: z.number(),
  /** Why it was saved (`restored from v3`, a user's note), or null. */
  message: z.string().nullable(),
  sizeBytes: z.number().int()
})

/** A composition bundled with llmnet (the `examples/` folder), for the gallery. */
export const ExampleSchema = z.object({
  /** The file name without its extension. */
  name: z.string(),
  /** The composition's own `description`, or empty. */
  description: z.string(),
  text: z.string(),
  format: PipelineFormatSchema
})

const Name = z.strictObject({ name: PipelineNameSchema })
const NameVersion = z.strictObject({
  name: PipelineNameSchema,
  version: z.number().int().positive()
})

export const pipelinesRoutes = defineRoutes('pipelines', {
  'pipelines.list': route(NoInput, z.object({ pipelines: z.array(PipelineSummarySchema) })),
  'pipelines.get': route(
    Name,
    PipelineSummarySchema.extend({ text: z.string(), format: PipelineFormatSchema })
  ),
  /** Every save is a new version; invalid text is refused with its diagnostics in `details`. */
  'pipelines.save': route(
    z.strictObject({
      name: PipelineNameSchema,
      text: z.string().max(1_000_000),
      format: PipelineFormatSchema,
      message: z.string().max(500).optional()
    }),
    z.object({
      name: PipelineNameSchema,
      version: z.number().int().positive(),
      diagnostics: z.array(DiagnosticSchema)
    })
  ),
  'pipelines.remove': route(Name, z.object({ removed: z.boolean() })),
  'pipelines.set_default': route(Name, z.object({ defaultPipeline: PipelineNameSchema })),
  'pipelines.set_enabled': route(
    z.strictObject({ name: PipelineNameSchema, enabled: z.boolean() }),
    PipelineSummarySchema
  ),
  'pipelines.versions': route(Name, z.object({ versions: z.array(VersionInfoSchema) })),
  'pipelines.get_version': route(
    NameVersion,
    VersionInfoSchema.extend({
      name: PipelineNameSchema,
      text: z.string(),
      format: PipelineFormatSchema
    })
  ),
  /** Saves an old version's text as a new version. */
  'pipelines.restore': route(
    NameVersion,
    z.object({ name: PipelineNameSchema, version: z.number().int().positive() })
  ),
  /** A unified diff from `from` to `to` (the latest version when omitted). */
  'pipelines.diff': route(
    z.strictObject({
      name: PipelineNameSchema,
      from: z.number().int().positive(),
      to: z.number().int().positive().optional()
    }),
    z.object({ from: z.number().int(), to: z.number().int(), patch: z.string() })
  ),
  /** The bundled examples (empty when the package has no examples folder). */
  'pipelines.examples': route(NoInput, z.object({ examples: z.array(ExampleSchema) })),
  'pipelines.validate': route(
    z.strictObject({
      text: z.string().max(1_000_000),
      format: PipelineFormatSchema.default('yaml')
    }),
    z.object({ ok: z.boolean(), diagnostics: z.array(DiagnosticSchema) })
  )
})
