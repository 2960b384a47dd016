/**
 * @module Models: runtime status (live from `model.status`), local GGUF files and Ollama models,
 * downloads (live from `model.pull_progress`), Ollama's state, and the starter catalog.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { OutputOf } from '../../../shared/contract/routes'
import type { ModelRuntimeStatus } from '../../../shared/models/status'
import { isUnknownRoute } from '../platform/client'
import { call, type StoreDeps } from './call'

export type LocalModel = OutputOf<'models.list'>['local'][number]
export type PullProgress = OutputOf<'models.list'>['pulls'][number]
export type OllamaStatus = OutputOf<'models.ollama_status'>
export type Runner = 'llama-cpp' | 'ollama'

/** A recommended model for first run. */
export interface CatalogEntry {
  name: string
  description: string
  /** What `models.pull` takes. */
  source: string
  fileName: string
  sizeBytes: number
}

/**
 * Used while the contract has no `models.catalog` route: a copy of the smallest entry of
 * src/main/core/models/catalog.ts (the renderer cannot import main).
 */
export const FALLBACK_CATALOG: readonly CatalogEntry[] = [
  {
    name: 'qwen2.5-0.5b-instruct',
    description: 'Qwen2.5 0.5B Instruct: the smallest useful chat model; fast on any CPU',
    source: 'hf://Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    fileName: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
    sizeBytes: 491_400_032
  }
]

export interface ModelsState {
  runtime: ModelRuntimeStatus[]
  local: LocalModel[]
  pulls: PullProgress[]
  ollama: OllamaStatus | null
  catalog: readonly CatalogEntry[]
  loaded: boolean
  refresh(): Promise<void>
  refreshOllama(): Promise<void>
  loadCatalog(): Promise<void>
  load(key: string, pipeline?: string): Promise<void>
  unload(key: string, pipeline?: string): Promise<void>
  pull(source: string, runner: Runner): Promise<string | null>
  cancelPull(pullId: string): Promise<void>
  remove(name: string, runner: Runner): Promise<void>
  attach(): () => void
}

export type ModelsStore = StoreApi<ModelsState>

const upsert = <T>(list: T[], item: T, same: (a: T) => boolean): T[] =>
  list.some(same) ? list.map((x) => (same(x) ? item : x)) : [...list, item]

/** The models store. */
export function createModelsStore(deps: StoreDeps): ModelsStore {
  return createStore<ModelsState>((set, get) => ({
    runtime: [],
    local: [],
    pulls: [],
    ollama: null,
    catalog: FALLBACK_CATALOG,
    loaded: false,
    async refresh() {
      const data = await call(deps, 'Could not list models', 'models.list')
      set({ loaded: true, ...(data ?? {}) })
    },
    async refreshOllama() {
      const data = await call(deps, 'Could not check Ollama', 'models.ollama_status')
      if (data) set({ ollama: data })
    },
    async loadCatalog() {
      const res = await deps.platform.requestUnknown('models.catalog')
      if (res.ok) {
        const entries = (res.data as { models?: CatalogEntry[] }).models
        if (Array.isArray(entries) && entries.length) set({ catalog: entries })
      } else if (!isUnknownRoute(res.error)) deps.toasts.getState().error(res.error, 'Catalog')
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
