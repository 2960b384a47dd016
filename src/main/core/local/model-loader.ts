/**
 * @module Loads a GGUF model for the worker: picks the llama.cpp backend (never compiling it),
 * reads the file's insights, sizes the context, threads and GPU layers, refuses a model that would
 * not fit in free memory, then loads the model and one context with `parallel` sequences.
 */
import { stat } from 'node:fs/promises'
import {
  getLlama,
  GgufInsights,
  InsufficientMemoryError,
  LlamaLogLevel,
  readGgufFileInfo,
  type GgufFileInfo,
  type Llama,
  type LlamaContext,
  type LlamaModel
} from 'node-llama-cpp'
import type { ReadyMessage, WorkerParams } from './protocol'
import { checkMemoryFit, DEFAULT_CONTEXT_SIZE, pickThreads, WorkerFailure } from './worker-checks'

export interface LoadedModel {
  model: LlamaModel
  context: LlamaContext
  /** The ready message's facts, but the port. */
  facts: Omit<ReadyMessage, 'type' | 'port'>
}

/**
 * Throws a WorkerFailure naming the problem. `onBackend` receives the llama.cpp backend as soon as
 * it exists, so the caller disposes it even when a later step fails.
 */
export async function loadModel(
  p: WorkerParams,
  modelId: string,
  log: (line: string) => void,
  onBackend: (llama: Llama) => void
): Promise<LoadedModel> {
  const started = performance.now()
  const fileBytes = await stat(p.modelPath).then(
    (s) => s.size,
    (err: NodeJS.ErrnoException) => {
      throw new WorkerFailure(
        err.code === 'ENOENT' ? 'bad_params' : 'load_failed',
        `cannot read model file ${p.modelPath}: ${err.message}`
      )
    }
  )
  const llama = await openBackend(p, log)
  onBackend(llama)
  const insights = await readInsights(p.modelPath, llama)
  const trainContext = insights.trainContextSize ?? DEFAULT_CONTEXT_SIZE
  const contextSize = p.contextSize ?? Math.min(DEFAULT_CONTEXT_SIZE, trainContext)
  const sequences = p.parallel ?? 1
  const threads = pickThreads({
    explicit: p.threads,
    fileBytes,
    cpuMathCores: llama.cpuMathCores
  })

  const gpuLayers = await chooseGpuLayers(p, llama, insights, contextSize * sequences)
  await checkMemoryFit({
    llama,
    insights,
    modelName: modelId,
    contextSize,
    sequences,
    gpuLayers,
    batchSize: p.batchSize,
    flashAttention: p.flashAttention,
    budget: p.memoryBudget
  })

  const modelStarted = performance.now()
  let model: LlamaModel | undefined
  let context: LlamaContext
  try {
    model = await llama.loadModel({
      modelPath: p.modelPath,
      gpuLayers,
      defaultContextFlashAttention: p.flashAttention
    })
    context = await model.createContext({
      contextSize,
      sequences,
      threads,
      batchSize: p.batchSize,
      flashAttention: p.flashAttention
    })
  } catch (err) {
    await model?.dispose().catch(() => undefined)
    if (err instanceof InsufficientMemoryError) {
      throw new WorkerFailure(
        'insufficient_memory',
        `model "${modelId}" does not fit in memory: ${err.message}`
      )
    }
    throw new WorkerFailure('load_failed', `cannot load ${p.modelPath}: ${(err as Error).message}`)
  }
  const modelLoadMs = Math.round(performance.now() - modelStarted)
  const usage = await llama.getLlamaMemoryUsage().catch(() => ({ cpuRam: 0, gpuVram: 0 }))
  return {
    model,
    context,
    facts: {
      model: modelId,
      gpu: llama.gpu,
      gpuLayers: model.gpuLayers,
      totalLayers: insights.totalLayers,
      ramBytes: usage.cpuRam || model.memoryUsage.ram + context.memoryUsage.ram,
      vramBytes: usage.gpuVram || model.memoryUsage.vram + context.memoryUsage.vram,
      contextSize: context.contextSize,
      threads: context.currentThreads || threads,
      parallel: sequences,
      loadMs: Math.round(performance.now() - started),
      modelLoadMs
    }
  }
}

/** The llama.cpp backend, never compiled here: a local build or a prebuilt binary. */
async function openBackend(p: WorkerParams, log: (line: string) => void): Promise<Llama> {
  return getLlama({
    gpu: p.gpu ?? 'auto',
    // Never compile llama.cpp inside a worker: use a local build or a prebuilt binary.
    build: 'never',
    progressLogs: false,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      const text = message.trimEnd()
      if (text) log(`[llama.cpp ${level}] ${text}`)
    }
  }).catch((err: unknown) => {
    throw new WorkerFailure('load_failed', `no usable llama.cpp backend: ${(err as Error).message}`)
  })
}

/** The GGUF file's header and tensor facts, as node-llama-cpp sizes a model by them. */
async function readInsights(modelPath: string, llama: Llama): Promise<GgufInsights> {
  let fileInfo: GgufFileInfo
  try {
    fileInfo = await readGgufFileInfo(modelPath, { readTensorInfo: true })
  } catch (err) {
    throw new WorkerFailure(
      'load_failed',
      `${modelPath} is not a readable GGUF file: ${(err as Error).message}`
    )
  }
  return GgufInsights.from(fileInfo, llama)
}

/**
 * GPU layers: none without offloading; the asked number, at most the model's; else as many as
 * fit with the whole context (none when the resolver finds no fit).
 */
async function chooseGpuLayers(
  p: WorkerParams,
  llama: Llama,
  insights: GgufInsights,
  contextTokens: number
): Promise<number> {
  let gpuLayers: number
  if (llama.gpu === false || !llama.supportsGpuOffloading) gpuLayers = 0
  else if (typeof p.gpuLayers === 'number') gpuLayers = Math.min(p.gpuLayers, insights.totalLayers)
  else {
    try {
      const resolved = await insights.configurationResolver.resolveModelGpuLayersV2(
        { fitContext: { contextSize: contextTokens } },
        { defaultContextFlashAttention: p.flashAttention }
      )
      gpuLayers = resolved.gpuLayers
    } catch (err) {
      if (!(err instanceof InsufficientMemoryError)) throw err
      gpuLayers = 0
    }
  }
  return gpuLayers
}
