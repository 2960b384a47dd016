/**
 * @module The shell's state: the server's status (kept live by `server.state`), the page shown
 * (from the URL hash), and readiness: the first `server.status` and `pipelines.list` answered.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { ServerState } from '../../../shared/contract/server'
import { call, type StoreDeps } from './call'

export const PAGES = [
  'pipelines',
  'models',
  'secrets',
  'chat',
  'requests',
  'eval',
  'settings',
  'welcome'
] as const
export type Page = (typeof PAGES)[number]

/** `#/models` → `models`; anything else → null. Sub-paths (`#/pipelines/x`) keep their head. */
export function parseHash(hash: string): { page: Page | null; rest: string[] } {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent)
  const page = PAGES.find((p) => p === parts[0]) ?? null
  return { page, rest: parts.slice(1) }
}

export interface AppState {
  server: ServerState | null
  page: Page | null
  rest: string[]
  serverAnswered: boolean
  pipelinesAnswered: boolean
  refreshServer(): Promise<void>
  startServer(): Promise<void>
  stopServer(): Promise<void>
  setHash(hash: string): void
  markPipelinesAnswered(): void
  /** Subscribes to events; returns the unsubscribe. */
  attach(): () => void
}

export type AppStore = StoreApi<AppState>

/** The shell store. */
export function createAppStore(deps: StoreDeps): AppStore {
  return createStore<AppState>((set) => ({
    server: null,
    page: null,
    rest: [],
    serverAnswered: false,
    pipelinesAnswered: false,
    async refreshServer() {
      const data = await call(deps, 'Server status', 'server.status')
      set({ serverAnswered: true, ...(data ? { server: data } : {}) })
    },
    async startServer() {
      const data = await call(deps, 'Could not start the server', 'server.start', {})
      if (data) set({ server: data })
    },
    async stopServer() {
      const data = await call(deps, 'Could not stop the server', 'server.stop')
      if (data) set({ server: data })
    },
    setHash(hash) {
      set(parseHash(hash))
    },
    markPipelinesAnswered() {
      set({ pipelinesAnswered: true })
    },
    attach() {
      return deps.platform.on('server.state', (server) => set({ server }))
    }
  }))
}
