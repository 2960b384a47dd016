/**
 * @module The llama.cpp worker's checks before it loads a model: the thread count, whether the
 * model and its context fit in free memory, and the parameters it was started with.
 */
import { availableParallelism } from 'node:os'
import { type GgufInsights, type GgufFileInfo, type Llama } from 'node-llama-cpp'
import { formatBytes } from '../../../shared/units'
import type { WorkerErrorCode, WorkerParams } from './protocol'

/** Files below this size are "tiny": one thread is fastest for them (see {@link pickThreads}). */
export const TINY_MODEL_BYTES = 50 * 1024 * 1024

/** Context size used when none is given: the trained context, capped at this. */
export const DEFAULT_CONTEXT_SIZE = 4096

/** Default sampling temperature, as llama-server's (OpenAI's is 1). */
export const DEFAULT_TEMPERATURE = 0.8

/** A failure the worker reports with a code (and a distinct exit code) instead of crashing. */
export class WorkerFailure extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string
  ) {
    super(message)
    this.name = 'WorkerFailure'
  }
}

/**
 * Picks the CPU thread count. The rule:
 * 1. an explicit `threads` wins;
 * 2. a tiny model (file under 50 MB) gets 1 thread: its matrices are so small that synchronising
 *    threads costs far more than the arithmetic (measured ~500× slower with the default count on a
 *    2-core machine for a 0.6 MB model);
 * 3. otherwise the cores useful for math (`llama.cpuMathCores`, physical cores on most systems:
 *    hyper-threads do not help matmul, else `available`), but never more than `available − 1`,
 *    at least 1: llama.cpp's threads spin at each barrier, so when the worker's own event loop or
 *    llmnet (which reads every streamed token) takes a core from one of them, the others spin
 *    and generation slows down several times (measured 10× on a busy 2-core machine).
 */
export function pickThreads(opts: {
  explicit?: number
  fileBytes: number
  cpuMathCores?: number
  /** Logical CPUs; default `os.availableParallelism()`. */
  available?: number
}): number {
  if (opts.explicit !== undefined && opts.explicit > 0) return Math.floor(opts.explicit)
  if (opts.fileBytes < TINY_MODEL_BYTES) return 1
  const available = opts.available ?? availableParallelism()
  const math =
    opts.cpuMathCores !== undefined && opts.cpuMathCores > 0 ? opts.cpuMathCores : available
  return Math.max(1, Math.min(math, available - 1))
}

interface AttentionMeta {
  head_count?: number | number[]
  head_count_kv?: number | number[]
  key_length?: number
  value_length?: number
}

/**
 * A lower bound of the KV cache (bytes per token, f16 keys and values) from the GGUF metadata, or 0
 * when the architecture does not say (recurrent models). Certain, unlike the simulated estimate, so
 * an absurd context is refused at once without asking llama.cpp to allocate it.
 */
export function kvCacheBytesPerToken(info: GgufFileInfo): number {
  const meta = info.architectureMetadata as {
    block_count?: number
    embedding_length?: number
    attention?: AttentionMeta
  }
  const layers = meta.block_count
  const embd = meta.embedding_length
  const heads = meta.attention?.head_count
  if (!layers || !embd || heads === undefined) return 0
  const headsAt = (v: number | number[] | undefined, l: number, fallback: number): number =>
    v === undefined ? fallback : Array.isArray(v) ? (v[l] ?? fallback) : v
  let perToken = 0
  for (let l = 0; l < layers; l++) {
    const h = headsAt(heads, l, 0)
    if (!h) continue
    const kv = headsAt(meta.attention?.head_count_kv, l, h)
    const dk = meta.attention?.key_length ?? embd / h
    const dv = meta.attention?.value_length ?? embd / h
    perToken += kv * (dk + dv) * 2
  }
  return Number.isFinite(perToken) ? perToken : 0
}

/** What the fit check concluded. */
export interface FitEstimate {
  ramBytes: number
  vramBytes: number
  freeRamBytes: number
  freeVramBytes: number
}

/**
 * Estimates the memory of the model plus its context with node-llama-cpp's GGUF insights and throws
 * a {@link WorkerFailure} `insufficient_memory` with a readable message when it would not fit in the
 * free RAM/VRAM (or `budget`). Swap is not counted: a model that only fits in swap is unusable.
 */
export async function checkMemoryFit(args: {
  llama: Llama
  insights: GgufInsights
  modelName: string
  contextSize: number
  sequences: number
  gpuLayers: number
  batchSize?: number
  flashAttention?: boolean
  budget?: WorkerParams['memoryBudget']
}): Promise<FitEstimate> {
  const { llama, insights, contextSize, sequences, gpuLayers } = args
  const ram = await llama.getRamState()
  const vram = await llama.getVramState()
  const freeRamBytes = args.budget?.ramBytes ?? ram.free
  const freeVramBytes = args.budget?.vramBytes ?? vram.free
  const model = await insights.estimateModelResourceRequirementsV2({ gpuLayers })
  const tokens = contextSize * sequences
  const what = `${tokens} context tokens (n_ctx ${contextSize} × parallel ${sequences})`
  const refuse = (
    need: number,
    modelBytes: number,
    ctxBytes: number,
    free: number,
    kind: string
  ): never => {
    throw new WorkerFailure(
      'insufficient_memory',
      `model "${args.modelName}" does not fit in memory: it needs about ${formatBytes(need)} of ${kind} ` +
        `(model ${formatBytes(modelBytes)} + context ${formatBytes(ctxBytes)} for ${what}) but only ${formatBytes(free)} is free. ` +
        "Lower n_ctx or parallel in the model's parameters, use a smaller quantisation, or free memory."
    )
  }
  // A certain lower bound first: an absurd context is refused without simulating its allocation
  // (node-llama-cpp's simulation of a 2^30-token context takes a minute before it gives up).
  const swa = insights.swaSize
  const kvLower =
    kvCacheBytesPerToken(insights.ggufFileInfo) *
    Math.min(contextSize, swa ?? contextSize) *
    sequences
  const modelTotal = model.cpuRam + model.gpuVram
  if (modelTotal + kvLower > freeRamBytes + freeVramBytes) {
    refuse(
      modelTotal + kvLower,
      modelTotal,
      kvLower,
      freeRamBytes + freeVramBytes,
      gpuLayers > 0 ? 'RAM + VRAM' : 'RAM'
    )
  }
  const context = await insights.estimateContextResourceRequirementsV2({
    contextSize,
    modelGpuLayers: gpuLayers,
    sequences,
    batchSize: args.batchSize,
    flashAttention: args.flashAttention
  })
  const ramBytes = model.cpuRam + context.cpuRam
  const vramBytes = model.gpuVram + context.gpuVram
  if (ramBytes > freeRamBytes) refuse(ramBytes, model.cpuRam, context.cpuRam, freeRamBytes, 'RAM')
  if (vramBytes > 0 && vramBytes > freeVramBytes)
    refuse(vramBytes, model.gpuVram, context.gpuVram, freeVramBytes, 'VRAM')
  return { ramBytes, vramBytes, freeRamBytes, freeVramBytes }
}

/** Validates worker parameters; throws `bad_params`. */
export function validateParams(value: unknown): WorkerParams {
  const p = value as Partial<WorkerParams> | null
  const bad = (msg: string): never => {
    throw new WorkerFailure('bad_params', `invalid model parameters: ${msg}`)
  }
  if (typeof p !== 'object' || p === null) return bad('expected an object')
  if (typeof p.modelPath !== 'string' || !p.modelPath) return bad('modelPath is required')
  const posInt = (v: unknown, name: string): void => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1))
      bad(`${name} must be a positive integer`)
  }
  posInt(p.contextSize, 'n_ctx')
  posInt(p.threads, 'threads')
  posInt(p.parallel, 'parallel')
  posInt(p.batchSize, 'n_batch')
  if (
    p.gpuLayers !== undefined &&
    p.gpuLayers !== 'auto' &&
    (typeof p.gpuLayers !== 'number' || !Number.isInteger(p.gpuLayers) || p.gpuLayers < 0)
  ) {
    bad("n_gpu_layers must be 'auto' or a non-negative integer")
  }
  if (p.gpu !== undefined && !['auto', false, 'cuda', 'vulkan', 'metal'].includes(p.gpu))
    bad("gpu must be 'auto', false, 'cuda', 'vulkan' or 'metal'")
  if (p.flashAttention !== undefined && typeof p.flashAttention !== 'boolean')
    bad('flash_attn must be true or false')
  return p as WorkerParams
}
