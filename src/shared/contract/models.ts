/** @module Model routes: what is loaded, load/unload, downloads, and Ollama's state. */
import { z } from 'zod'
import { ModelRuntimeStatusSchema } from '../models/status'
import { NoInput, PipelineNameSchema, defineRoutes, route } from './define'

/** A model file or Ollama model present on this machine. */
export const LocalModelSchema = z.object({
  name: z.string(),
  runner: z.enum(['llama-cpp', 'ollama']),
  /** The GGUF file, or null for an Ollama model. */
  path: z.string().nullable(),
  sizeBytes: z.number().nullable()
})

/** A download's progress, as `models.pull` started it. */
export const PullProgressSchema = z.object({
  pullId: z.string(),
  source: z.string(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  completedBytes: z.number(),
  totalBytes: z.number().nullable(),
  error: z.string().nullable()
})

/** A recommended model to download, for the first run and the Models page. */
export const CatalogModelSchema = z.object({
  name: z.string(),
  description: z.string(),
  /** What `models.pull` takes (an `hf://` or `http(s)://` URL). */
  source: z.string(),
  fileName: z.string(),
  sizeBytes: z.number()
})

const OllamaStatusSchema = z.object({
  installed: z.boolean(),
  running: z.boolean(),
  /** Whether we started it (and so stop it on quit). */
  managed: z.boolean(),
  host: z.string(),
  version: z.string().nullable()
})

const ModelKey = z.strictObject({
  /** The model's key in its pipeline's composition. */
  key: z.string().min(1),
  pipeline: PipelineNameSchema.optional()
})

export const modelsRoutes = defineRoutes('models', {
  'models.list': route(
    NoInput,
    z.object({
      runtime: z.array(ModelRuntimeStatusSchema),
      local: z.array(LocalModelSchema),
      pulls: z.array(PullProgressSchema)
    })
  ),
  'models.load': route(ModelKey, ModelRuntimeStatusSchema),
  'models.unload': route(ModelKey, ModelRuntimeStatusSchema),
  /** Starts a download (a Hugging Face `repo:file`, a URL, or an Ollama name); progress is evented. */
  'models.pull': route(
    z.strictObject({
      source: z.string().min(1).max(2048),
      runner: z.enum(['llama-cpp', 'ollama'])
    }),
    z.object({ pullId: z.string() })
  ),
  'models.cancel_pull': route(
    z.strictObject({ pullId: z.string().min(1) }),
    z.object({ cancelled: z.boolean() })
  ),
  'models.delete': route(
    z.strictObject({ name: z.string().min(1), runner: z.enum(['llama-cpp', 'ollama']) }),
    z.object({ deleted: z.boolean() })
  ),
  'models.ollama_status': route(NoInput, OllamaStatusSchema),
  /** Starts `ollama serve` (stopped again when llmnet quits); a running Ollama is left as is. */
  'models.ollama_start': route(NoInput, OllamaStatusSchema),
  /** Stops the Ollama llmnet started; one started elsewhere is not ours to stop. */
  'models.ollama_stop': route(NoInput, OllamaStatusSchema),
  /** The starter models (plus `LLMNET_CATALOG`'s entries). */
  'models.catalog': route(NoInput, z.object({ models: z.array(CatalogModelSchema) }))
})
