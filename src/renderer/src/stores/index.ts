/** @module All stores of one app, built over one platform, and the React hooks that read them. */
import { createContext, useContext } from 'react'
import { useStore } from 'zustand'
import { useShallow } from 'zustand/react/shallow'
import type { StoreApi } from 'zustand/vanilla'
import type { Platform } from '../platform/client'
import { createAppStore } from './app-store'
import { createChatStore } from './chat-store'
import { createEvalsStore } from './evals-store'
import { createDiscoverStore } from './discover-store'
import { createFirstRunStore } from './first-run-store'
import { createModelsStore } from './models-store'
import { createPipelinesStore } from './pipelines-store'
import { createSecretsStore } from './secrets-store'
import { createSettingsStore } from './settings-store'
import { createToastStore } from './toast-store'
import { createTracesStore } from './traces-store'

/** Every store, built for one platform. */
export function createStores(platform: Platform) {
  const toasts = createToastStore()
  const deps = { platform, toasts }
  const app = createAppStore(deps)
  const pipelines = createPipelinesStore(deps, {
    onListAnswered: () => app.getState().markPipelinesAnswered()
  })
  const models = createModelsStore(deps)
  const stores = {
    platform,
    toasts,
    app,
    pipelines,
    models,
    firstRun: createFirstRunStore(deps, models, pipelines),
    discover: createDiscoverStore(deps, models, pipelines),
    secrets: createSecretsStore(deps),
    chat: createChatStore(deps),
    traces: createTracesStore(deps),
    settings: createSettingsStore(deps),
    evals: createEvalsStore(deps)
  }
  return stores
}

export type Stores = ReturnType<typeof createStores>

/** Loads what the shell shows at once and subscribes every store; returns the cleanup. */
export function startStores(s: Stores): () => void {
  const offs = [
    s.app.getState().attach(),
    s.pipelines.getState().attach(),
    s.models.getState().attach(),
    s.secrets.getState().attach(),
    s.traces.getState().attach(),
    s.settings.getState().attach(),
    s.firstRun.getState().attach(),
    s.evals.getState().attach()
  ]
  void s.app.getState().refreshServer()
  void s.pipelines.getState().refresh()
  void s.settings.getState().refresh()
  void s.models.getState().refresh()
  return () => offs.forEach((off) => off())
}

export const StoresContext = createContext<Stores | null>(null)

/** The app's stores (inside `StoresContext.Provider`). */
export function useStores(): Stores {
  const s = useContext(StoresContext)
  if (!s) throw new Error('useStores outside StoresContext')
  return s
}

/**
 * Reads one store with a selector; re-renders when the selected value changes, compared
 * shallowly, so a selector may build a fresh array or object (`list.filter(...)`) without looping.
 */
export function useS<T, U>(store: StoreApi<T>, selector: (state: T) => U): U {
  return useStore(store, useShallow(selector))
}
