/**
 * @module Hooks & secrets: each pipeline's functions with one test call each, the secret
 * store's names (values go in through `secrets.set` and never come back), and every
 * composition's secret sources with each variable resolved or missing.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { OutputOf } from '../../../shared/contract/routes'
import { call, type StoreDeps } from './call'

export type FunctionInfo = OutputOf<'functions.list'>['functions'][number]
export type SecretInfo = OutputOf<'secrets.list'>['secrets'][number]
export type TestResult = OutputOf<'functions.test'>
export type SecretSourceInfo = OutputOf<'secrets.sources'>['sources'][number]

export interface SecretsState {
  functions: Record<string, FunctionInfo[]>
  tests: Record<string, { running: boolean; result: TestResult | null }>
  secrets: SecretInfo[]
  storage: OutputOf<'secrets.list'>['storage'] | null
  loaded: boolean
  /** Every pipeline's secret sources, in pipeline order. */
  sources: SecretSourceInfo[]
  loadFunctions(pipeline: string): Promise<void>
  test(pipeline: string, name: string, input: string): Promise<void>
  /** Reloads the stored names and the sources (a set or delete changes both). */
  refresh(): Promise<void>
  refreshSources(): Promise<void>
  /** Stores a value; true when stored. The value is never kept in state. */
  set(name: string, value: string): Promise<boolean>
  remove(name: string): Promise<void>
  attach(): () => void
}

export type SecretsStore = StoreApi<SecretsState>

/** The key of one function's test result. */
export const testKey = (pipeline: string, name: string): string => `${pipeline}/${name}`

/** The hooks-and-secrets store. */
export function createSecretsStore(deps: StoreDeps): SecretsStore {
  return createStore<SecretsState>((set, get) => ({
    functions: {},
    tests: {},
    secrets: [],
    storage: null,
    loaded: false,
    sources: [],
    async loadFunctions(pipeline) {
      const data = await call(deps, `Functions of ${pipeline}`, 'functions.list', { pipeline })
      if (data) set({ functions: { ...get().functions, [pipeline]: data.functions } })
    },
    async test(pipeline, name, input) {
      const key = testKey(pipeline, name)
      set({ tests: { ...get().tests, [key]: { running: true, result: null } } })
      const res = await deps.platform.request('functions.test', { pipeline, name, input })
      const result: TestResult = res.ok
        ? res.data
        : { ok: false, output: null, error: res.error.message, durationMs: 0, notes: [] }
      set({ tests: { ...get().tests, [key]: { running: false, result } } })
    },
    async refresh() {
      const data = await call(deps, 'Could not list secrets', 'secrets.list')
      set({ loaded: true, ...(data ?? {}) })
      await get().refreshSources()
    },
    async refreshSources() {
      const data = await call(deps, 'Could not list secret sources', 'secrets.sources')
      if (data) set({ sources: data.sources })
    },
    async set(name, value) {
      const data = await call(deps, `Could not set ${name}`, 'secrets.set', { name, value })
      if (!data) return false
      await get().refresh()
      return true
    },
    async remove(name) {
      if (await call(deps, `Could not delete ${name}`, 'secrets.delete', { name }))
        await get().refresh()
    },
    attach() {
      // Set or deleted anywhere (the CLI, another window): names and source states both change.
      return deps.platform.on('secret.changed', () => void get().refresh())
    }
  }))
}
