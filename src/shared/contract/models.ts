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

/** A GGUF repository on Hugging Face, as `models.search` lists it. */
export const HubRepoSchema = z.object({
  id: z.string(),
  downloads: z.number(),
  likes: z.number(),
  updatedAt: z.string().nullable(),
  /** Downloads need a licence accepted on huggingface.co (and `HF_TOKEN`). */
  gated: z.boolean()
})

/** One `.gguf` file of a Hugging Face repository. */
export const HubFileSchema = z.object({
  path: z.string(),
  sizeBytes: z.number(),
  /** The LFS SHA-256 the download is checked against (null when the hub gives none). */
  sha256: z.string().nullable(),
  quantisation: z.string().nullable(),
  split: z.object({ part: z.number(), of: z.number() }).nullable(),
  projector: z.boolean(),
  /** What a composition's llama.cpp `source` names once it is downloaded. */
  source: z.string(),
  /** The file's name in the models folder after download. */
  fileName: z.string()
})

/** This machine's memory as llama.cpp sees it. */
export const MachineSchema = z.object({
  /** `cuda`, `vulkan`, `metal`, or false: CPU and RAM only. */
  gpu: z.union([z.string(), z.literal(false)]),
  ramTotalBytes: z.number(),
  ramFreeBytes: z.number(),
  vramTotalBytes: z.number(),
  vramFreeBytes: z.number(),
  source: z.enum(['node-llama-cpp', 'os'])
})

/** Whether a model fits this machine, before it is downloaded. */
export const FitSchema = z.object({
  verdict: z.enum(['fits', 'tight', 'too_big']),
  runsOn: z.enum(['gpu', 'cpu']),
  ramBytes: z.number(),
  vramBytes: z.number(),
  contextSize: z.number(),
  /** `insights`: node-llama-cpp read the GGUF header; `estimate`: from the file size alone. */
  method: z.enum(['insights', 'estimate']),
  machine: MachineSchema,
  summary: z.string()
})

const RepoId = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/,
    'must be a Hugging Face repository id (owner/name)'
  )
const GgufPath = z
  .string()
  .trim()
  .min(1)
  .max(1000)
  .regex(/\.gguf$/i, 'must name a .gguf file')
const HubFileRef = z.strictObject({ repo: RepoId, path: GgufPath })

/** A hub file (`repo` and `path`) or a starter catalog entry (`catalog`): each problem named. */
const FitInput = z
  .strictObject({
    repo: RepoId.optional(),
    path: GgufPath.optional(),
    catalog: z.string().min(1).max(200).optional()
  })
  .superRefine((v, ctx) => {
    if (v.catalog !== undefined) {
      if (v.repo !== undefined || v.path !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['catalog'],
          message: 'give either "catalog" or "repo" and "path", not both'
        })
      return
    }
    for (const key of ['repo', 'path'] as const)
      if (v[key] === undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: 'required (or give "catalog")' })
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
  'models.catalog': route(NoInput, z.object({ models: z.array(CatalogModelSchema) })),
  /**
   * GGUF repositories on Hugging Face (`LLMNET_HF_ENDPOINT`), most downloaded first. An
   * unreachable hub is not an error: `offline` says why and `repos` is empty.
   */
  'models.search': route(
    z.strictObject({
      query: z.string().trim().min(1).max(200),
      limit: z.number().int().min(1).max(50).optional()
    }),
    z.object({
      endpoint: z.string(),
      offline: z.string().nullable(),
      repos: z.array(HubRepoSchema)
    })
  ),
  /** A repository's `.gguf` files with quantisation, size and SHA-256. */
  'models.files': route(
    z.strictObject({ repo: RepoId }),
    z.object({ repo: z.string(), files: z.array(HubFileSchema) })
  ),
  /** Free RAM and VRAM and the GPU llama.cpp would use. */
  'models.machine': route(NoInput, MachineSchema),
  /** Whether a hub file or a catalog model fits this machine (GGUF insights, else an estimate). */
  'models.fit': route(FitInput, FitSchema),
  /** Downloads a hub file into the models folder, checked against its LFS SHA-256. */
  'models.download': route(HubFileRef, z.object({ pullId: z.string(), source: z.string() }))
})
