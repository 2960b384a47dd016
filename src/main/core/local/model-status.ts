/**
 * @module The status rows of the models llmnet runs, as `/status`, `models.list` and
 * `model.status` events report them: one per configured model of each served pipeline, from the
 * start (`stopped` until used).
 */
import type { ModelRuntimeStatus } from '../../../shared/models/status'
import type { LlamaProcessStatus } from './process'

/** What a status row is about. */
export interface StatusSubject {
  key: string
  pipeline?: string
  runner: ModelRuntimeStatus['runner']
  source: string
}

/** A model with nothing running: `stopped` (or the state its runner reports), no figures. */
export function blankStatus(
  subject: StatusSubject,
  live: Partial<Pick<ModelRuntimeStatus, 'state' | 'lastError' | 'lastUsed'>> = {}
): ModelRuntimeStatus {
  return {
    ...subject,
    state: live.state ?? 'stopped',
    lastError: live.lastError ?? null,
    pid: null,
    port: null,
    memory: null,
    gpu: null,
    gpuLayers: null,
    loadedSince: null,
    lastUsed: live.lastUsed ?? null,
    tokensPerSecond: null,
    restarts: 0
  }
}

/** A llama.cpp worker's status; `gpu` is false on the CPU, null until it is loaded. */
export function processStatus(subject: StatusSubject, s: LlamaProcessStatus): ModelRuntimeStatus {
  return {
    ...subject,
    state: s.state === 'stopping' ? 'stopped' : s.state,
    lastError: s.lastError,
    pid: s.pid,
    port: s.port,
    memory: s.memory,
    gpu: s.gpu === false ? false : s.gpu ? String(s.gpu) : null,
    gpuLayers: s.gpuLayers,
    loadedSince: s.loadedSince,
    lastUsed: s.lastUsed,
    tokensPerSecond: s.tokensPerSecond,
    restarts: s.restarts
  }
}
