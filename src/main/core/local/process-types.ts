/**
 * @module The public shapes of a llama.cpp worker's handle ({@link ./process.ts}): its states, the
 * status it reports, its options with their defaults, and its error.
 */
import type { GpuBackend, RequestMessage, WorkerErrorCode, WorkerParams } from './protocol'
import { type ForkLike, nodeFork, type WorkerEntry, workerEntry } from './worker-fork'

/** The handle's states. */
export type LlamaProcessState = 'stopped' | 'starting' | 'ready' | 'busy' | 'stopping' | 'error'

/** A snapshot of the handle, sent with every `status` event. */
export interface LlamaProcessStatus {
  state: LlamaProcessState
  model: string
  pid: number | null
  port: number | null
  /** `http://127.0.0.1:<port>/v1`, for {@link OpenAICompatibleProvider}. */
  baseUrl: string | null
  gpu: GpuBackend | null
  gpuLayers: number | null
  contextSize: number | null
  threads: number | null
  memory: { ramBytes: number; vramBytes: number } | null
  /** When the current worker became ready (epoch ms). */
  loadedSince: number | null
  /** Load time of the current worker (ms, as the worker measured it): backend, memory check, model. */
  loadMs: number | null
  /** Of which the model file and context (ms). */
  modelLoadMs: number | null
  /** Last request or `touch()` (epoch ms). */
  lastUsed: number | null
  /** Generation speed of the last request that generated more than one token. */
  tokensPerSecond: number | null
  inflight: number
  lastError: string | null
  lastErrorCode: WorkerErrorCode | 'crashed' | 'start_timeout' | null
  /** Automatic restarts since the handle was created. */
  restarts: number
  consecutiveFailures: number
  /** When the scheduled restart runs (epoch ms), if one is scheduled. */
  nextRestartAt: number | null
  /** Why the last stop happened. */
  stopReason: 'requested' | 'idle' | null
}

/** Typed events of a handle. */
export interface LlamaProcessEvents {
  status: [LlamaProcessStatus]
  request: [RequestMessage]
}

/** Options of {@link LlamaCppProcess}: the worker's parameters plus lifecycle settings. */
export interface LlamaProcessOptions extends WorkerParams {
  /** Stop the process after this long without requests; 0 disables. Default 10 minutes. */
  idleTtlMs?: number
  /** A start that has not sent `ready` by then fails. Default 120 s. */
  startTimeoutMs?: number
  /** Upper bound of `stop()`: shutdown message, SIGTERM, SIGKILL. Default 5 s. */
  stopBudgetMs?: number
  /** First restart delay, doubled per consecutive failure. Default 500 ms. */
  restartBaseMs?: number
  /** Longest restart delay. Default 30 s. */
  restartMaxMs?: number
  /** Consecutive failures before giving up for a while. Default 3. */
  maxConsecutiveFailures?: number
  /** After giving up, the next request tries again once this long has passed. Default 60 s. */
  breakerCooldownMs?: number
  /** How messages name the model (`model "x"`). Default: the file name. */
  label?: string
  /** Restart after a crash. Default true. */
  autoRestart?: boolean
  /** How to start the worker. Default: `child_process.fork`. */
  fork?: ForkLike
  /** Which module to fork. Default: {@link workerEntry}. */
  entry?: WorkerEntry
}

/** An error from the handle, with the worker's code when it reported one. */
export class LlamaProcessError extends Error {
  constructor(
    readonly code: NonNullable<LlamaProcessStatus['lastErrorCode']> | 'stopped' | 'circuit_open',
    message: string
  ) {
    super(message)
    this.name = 'LlamaProcessError'
  }
}

/** The lifecycle settings' defaults (see {@link LlamaProcessOptions}). */
const DEFAULTS = {
  idleTtlMs: 10 * 60_000,
  startTimeoutMs: 120_000,
  stopBudgetMs: 5_000,
  restartBaseMs: 500,
  restartMaxMs: 30_000,
  maxConsecutiveFailures: 3,
  breakerCooldownMs: 60_000,
  autoRestart: true
}

/** The lifecycle settings with their defaults filled in, and how to start the worker. */
export type LlamaProcessSettings = typeof DEFAULTS & { fork: ForkLike; entry: WorkerEntry }

/** Splits the options into the worker's parameters and the handle's settings (defaults filled). */
export function resolveProcessOptions(options: LlamaProcessOptions): {
  params: WorkerParams
  settings: LlamaProcessSettings
  modelName: string
  label: string
} {
  const {
    idleTtlMs,
    startTimeoutMs,
    stopBudgetMs,
    restartBaseMs,
    restartMaxMs,
    maxConsecutiveFailures,
    breakerCooldownMs,
    label,
    autoRestart,
    fork,
    entry,
    ...params
  } = options
  const settings: LlamaProcessSettings = {
    idleTtlMs: idleTtlMs ?? DEFAULTS.idleTtlMs,
    startTimeoutMs: startTimeoutMs ?? DEFAULTS.startTimeoutMs,
    stopBudgetMs: stopBudgetMs ?? DEFAULTS.stopBudgetMs,
    restartBaseMs: restartBaseMs ?? DEFAULTS.restartBaseMs,
    restartMaxMs: restartMaxMs ?? DEFAULTS.restartMaxMs,
    maxConsecutiveFailures: maxConsecutiveFailures ?? DEFAULTS.maxConsecutiveFailures,
    breakerCooldownMs: breakerCooldownMs ?? DEFAULTS.breakerCooldownMs,
    autoRestart: autoRestart ?? DEFAULTS.autoRestart,
    fork: fork ?? nodeFork,
    entry: entry ?? workerEntry()
  }
  const modelName =
    params.modelId ??
    params.modelPath
      .split(/[\\/]/)
      .pop()
      ?.replace(/\.gguf$/i, '') ??
    params.modelPath
  return { params, settings, modelName, label: label ?? `model "${modelName}"` }
}
