/**
 * @module The messages and exit codes shared by the llama.cpp worker process
 * ({@link ./llama-worker.ts}) and its parent-side handle ({@link ./process.ts}). Kept apart so the
 * parent never imports the worker's entry module (which starts serving when loaded).
 */

/** How the worker is configured; sent as JSON in `argv[2]` or in a `{type:'start'}` message. */
export interface WorkerParams {
  /** The GGUF file to serve. */
  modelPath: string
  /** The id reported by `GET /v1/models`; default: the file name without `.gguf`. */
  modelId?: string
  /** Tokens per sequence; default: the model's trained context, capped at 4096. */
  contextSize?: number
  /** Layers offloaded to the GPU: `'auto'` (default) fits as many as free VRAM allows. */
  gpuLayers?: 'auto' | number
  /** Which backend to use; default `'auto'` (CUDA, Vulkan or Metal when usable, else CPU). */
  gpu?: 'auto' | false | 'cuda' | 'vulkan' | 'metal'
  /** CPU threads; default: see `pickThreads` in the worker (1 for files under 50 MB). */
  threads?: number
  /** Parallel sequences (slots), each with its own reusable state. Default 1. */
  parallel?: number
  /** Flash attention; default: llama.cpp's choice for the model. */
  flashAttention?: boolean
  /** Tokens decoded per batch; default: node-llama-cpp's (context size, at most 512). */
  batchSize?: number
  /**
   * Overrides the free memory the fit check compares with (bytes). For tests, and for a user who
   * wants to keep headroom for other programs.
   */
  memoryBudget?: { ramBytes?: number; vramBytes?: number }
}

/** Memory the worker uses (bytes), as node-llama-cpp reports it. */
export interface WorkerMemory {
  ramBytes: number
  vramBytes: number
  /** Resident set of the whole worker process. */
  rssBytes: number
}

/** The GPU backend in use; `false` is the CPU. */
export type GpuBackend = 'cuda' | 'vulkan' | 'metal' | false

/** Sent once the model and context are loaded and the HTTP server listens. */
export interface ReadyMessage {
  type: 'ready'
  port: number
  model: string
  gpu: GpuBackend
  gpuLayers: number
  totalLayers: number
  vramBytes: number
  ramBytes: number
  contextSize: number
  threads: number
  parallel: number
  /** From the start of loading to ready: backend detection, memory check, model, context, chat template (ms). */
  loadMs: number
  /** Of which loading the model file and creating the context (ms). */
  modelLoadMs: number
}

/** Why a worker failed, so the parent can tell a retryable crash from a refusal. */
export type WorkerErrorCode = 'insufficient_memory' | 'bad_params' | 'load_failed' | 'runtime'

/** Sent before the worker exits on an error it understood. */
export interface ErrorMessage {
  type: 'error'
  code: WorkerErrorCode
  message: string
}

/** Sent when a completion request starts being served. */
export interface RequestStartMessage {
  type: 'request-start'
}

/** Sent when a completion request ends (successfully or not). */
export interface RequestMessage {
  type: 'request'
  /** Tokens of the rendered prompt. */
  promptTokens: number
  /** Prompt tokens actually decoded (the rest were reused from the slot's state). */
  evaluatedTokens: number
  completionTokens: number
  /** Generation speed after the first token (tokens per second). */
  tokensPerSecond: number
  durationMs: number
  ok: boolean
}

/** Every message the worker sends to its parent. */
export type WorkerToParent = ReadyMessage | ErrorMessage | RequestStartMessage | RequestMessage

/** Every message the parent sends to the worker. */
export type ParentToWorker = { type: 'start'; params: WorkerParams } | { type: 'shutdown' }

/** Exit codes of the worker, distinct so the parent knows which failures not to retry. */
export const WORKER_EXIT = {
  ok: 0,
  /** The parameters were invalid (not retryable). */
  badParams: 64,
  /** The model could not be loaded (missing file, corrupt GGUF, no backend). */
  loadFailed: 70,
  /** Model + context would not fit in free RAM/VRAM (not retryable without new parameters). */
  insufficientMemory: 75,
  /** An unexpected error while serving (retryable, like a crash). */
  runtime: 1
} as const

/** Narrows an IPC payload to a worker message. */
export function isWorkerMessage(value: unknown): value is WorkerToParent {
  if (typeof value !== 'object' || value === null) return false
  const type = (value as { type?: unknown }).type
  return type === 'ready' || type === 'error' || type === 'request-start' || type === 'request'
}
