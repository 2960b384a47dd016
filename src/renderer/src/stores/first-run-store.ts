/**
 * @module First run: download a starter model (progress and cancel through the models store),
 * or use an Ollama model, then save a one-node pipeline and make it the default.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import { starterComposition } from '../lib/starter'
import { call, type StoreDeps } from './call'
import type { ModelsStore } from './models-store'
import type { PipelinesStore } from './pipelines-store'

export interface FirstRunState {
  /** The download under way for the starter model. */
  pullId: string | null
  /** The pipeline created, once done. */
  created: string | null
  busy: boolean
  startDownload(source: string): Promise<void>
  cancel(): Promise<void>
  /** Saves the starter pipeline for `source` and makes it the default. */
  createPipeline(runner: 'llama-cpp' | 'ollama', source: string, name?: string): Promise<boolean>
  attach(): () => void
}

export type FirstRunStore = StoreApi<FirstRunState>

/** The first-run store; it finishes the setup by itself when the starter download completes. */
export function createFirstRunStore(
  deps: StoreDeps,
  models: ModelsStore,
  pipelines: PipelinesStore
): FirstRunStore {
  let pendingSource: string | null = null
  return createStore<FirstRunState>((set, get) => ({
    pullId: null,
    created: null,
    busy: false,
    async startDownload(source) {
      pendingSource = source
      const pullId = await models.getState().pull(source, 'llama-cpp')
      set({ pullId })
    },
    async cancel() {
      const id = get().pullId
      if (id) await models.getState().cancelPull(id)
      pendingSource = null
      set({ pullId: null })
    },
    async createPipeline(runner, source, name = 'assistant') {
      set({ busy: true })
      const saved = await call(deps, 'Could not create the pipeline', 'pipelines.save', {
        name,
        text: starterComposition(runner, source),
        format: 'json',
        message: 'created by the welcome screen'
      })
      const ok =
        !!saved &&
        !!(await call(deps, 'Could not make it the default', 'pipelines.set_default', { name }))
      set({ busy: false, ...(ok ? { created: name } : {}) })
      if (ok) await pipelines.getState().refresh()
      return ok
    },
    attach() {
      return deps.platform.on('model.pull_progress', (p) => {
        if (p.pullId !== get().pullId) return
        if (p.state === 'done' && pendingSource) {
          const source = pendingSource
          pendingSource = null
          void get().createPipeline('llama-cpp', source)
        }
        if (p.state === 'cancelled' || p.state === 'failed') set({ pullId: null })
      })
    }
  }))
}
