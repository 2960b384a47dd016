/**
 * @module Models: runtime status (live from `model.status`), local GGUF files and Ollama models,
 * downloads (live from `model.pull_progress`), Ollama's state, and the starter catalog.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { OutputOf } from '../../../shared/contract/routes'
import type { ModelRuntimeStatus } from '../../../shared/models/status'
import { call, type StoreDeps } from './call'

export type LocalModel = OutputOf<'models.list'>['local'][number]
export type PullProgress = OutputOf<'models.list'>['pulls'][number]
export type OllamaStatus = OutputOf<'models.ollama_status'>
export type Runner = 'llama-cpp' | 'ollama'

/** A recommended model for first run (`models.catalog`). */
export type CatalogEntry = OutputOf<'models.catalog'>['models'][number]

/** The file a model source names: a path's or URL's last segment (what the library stores). */
export function sourceFileName(source: string): string {
  const last = source.split(/[?#]/)[0]!.split(/[/\\]/).filter(Boolean).at(-1) ?? ''
  try {
    return decodeURIComponent(last)
  } catch {
    return last
  }
}

/** The running model (if any) that serves a local GGUF file, whatever its source's form. */
export function runtimeOf(
  local: LocalModel,
  runtime: readonly ModelRuntimeStatus[]
): ModelRuntimeStatus | undefined {
  return runtime.find(
    (r) =>
      r.runner === local.runner &&
      (r.source === local.name ||
        r.source === local.path ||
        (local.runner === 'llama-cpp' && sourceFileName(r.source) === local.name))
  )
}

export interface ModelsState {
  runtime: ModelRuntimeStatus[]
  local: LocalModel[]
  pulls: PullProgress[]
  ollama: OllamaStatus | null
  catalog: readonly CatalogEntry[]
  /** Whether `models.catalog` answered (the welcome screen waits for it). */
  catalogLoaded: boolean
  loaded: boolean
  refresh(): Promise<void>
  refreshOllama(): Promise<void>
  /** Starts (`start`) or stops a managed Ollama. */
  ollamaPower(start: boolean): Promise<void>
  loadCatalog(): Promise<void>
  load(key: string, pipeline?: string): Promise<void>
  unload(key: string, pipeline?: string): Promise<void>
  pull(source: string, runner: Runner): Promise<string | null>
  cancelPull(pullId: string): Promise<void>
  /** Forgets finished downloads (done, failed, cancelled), or one of them by id. */
  clearPulls(pullId?: string): void
  remove(name: string, runner: Runner): Promise<void>
  attach(): () => void
}

export type ModelsStore = StoreApi<ModelsState>

const upsert = <T>(list: T[], item: T, same: (a: T) => boolean): T[] =>
  list.some(same) ? list.map((x) => (same(x) ? item : x)) : [...list, item]

/** The models store. */
export function createModelsStore(deps: StoreDeps): ModelsStore {
  // Cleared rows stay cleared when `models.list` lists them again.
  const cleared = new Set<string>()
  const visible = (pulls: PullProgress[]): PullProgress[] =>
    pulls.filter((p) => !cleared.has(p.pullId))
  return createStore<ModelsState>((set, get) => ({
    runtime: [],
    local: [],
    pulls: [],
    ollama: null,
    catalog: [],
    catalogLoaded: false,
    loaded: false,
    async refresh() {
      const data = await call(deps, 'Could not list models', 'models.list')
      set({ loaded: true, ...(data ? { ...data, pulls: visible(data.pulls) } : {}) })
    },
    async refreshOllama() {
      const data = await call(deps, 'Could not check Ollama', 'models.ollama_status')
      if (data) set({ ollama: data })
    },
    async ollamaPower(start) {
      const data = await call(
        deps,
        start ? 'Could not start Ollama' : 'Could not stop Ollama',
        start ? 'models.ollama_start' : 'models.ollama_stop'
      )
      if (data) set({ ollama: data })
      if (data && start) await get().refresh()
    },
    async loadCatalog() {
      const data = await call(deps, 'Could not read the model catalog', 'models.catalog')
      set({ catalogLoaded: true, ...(data ? { catalog: data.models } : {}) })
    },
    async load(key, pipeline) {
      const data = await call(deps, `Could not load ${key}`, 'models.load', { key, pipeline })
      if (data) set({ runtime: upsert(get().runtime, data, (m) => m.key === key) })
    },
    async unload(key, pipeline) {
      const data = await call(deps, `Could not unload ${key}`, 'models.unload', { key, pipeline })
      if (data) set({ runtime: upsert(get().runtime, data, (m) => m.key === key) })
    },
    async pull(source, runner) {
      const data = await call(deps, `Could not download ${source}`, 'models.pull', {
        source,
        runner
      })
      if (!data) return null
      const progress: PullProgress = {
        pullId: data.pullId,
        source,
        state: 'running',
        completedBytes: 0,
        totalBytes: null,
        error: null
      }
      // An event may have arrived first; keep it.
      if (!get().pulls.some((p) => p.pullId === data.pullId))
        set({ pulls: [...get().pulls, progress] })
      return data.pullId
    },
    async cancelPull(pullId) {
      await call(deps, 'Could not cancel the download', 'models.cancel_pull', { pullId })
    },
    clearPulls(pullId) {
      for (const p of get().pulls)
        if (p.state !== 'running' && (pullId === undefined || p.pullId === pullId))
          cleared.add(p.pullId)
      set({ pulls: visible(get().pulls) })
    },
    async remove(name, runner) {
      if (await call(deps, `Could not delete ${name}`, 'models.delete', { name, runner }))
        await get().refresh()
    },
    attach() {
      const offs = [
        deps.platform.on('model.status', (s) =>
          set({ runtime: upsert(get().runtime, s, (m) => m.key === s.key) })
        ),
        deps.platform.on('model.pull_progress', (p) => {
          if (cleared.has(p.pullId)) return
          set({ pulls: upsert(get().pulls, p, (x) => x.pullId === p.pullId) })
          if (p.state === 'done') void get().refresh()
          if (p.state === 'failed')
            deps.toasts.getState().push('error', `Download of ${p.source} failed: ${p.error ?? ''}`)
        })
      ]
      return () => offs.forEach((off) => off())
    }
  }))
}
