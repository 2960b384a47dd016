/**
 * @module Component-test harness: the whole app (or one page) rendered with Testing Library over
 * stores on the fake platform, answering the routes every page asks for with plain contract
 * values. A test overrides any handler.
 */
import { act, cleanup, render, screen, waitFor, type RenderResult } from '@testing-library/react'
import { afterEach, beforeEach, expect } from 'vitest'
import type { ReactNode } from 'react'
import { App } from '../App'
import type { OutputOf } from '../../../shared/contract/routes'
import { DEFAULT_SETTINGS } from '../../../shared/contract/settings'
import type { ModelRuntimeStatus } from '../../../shared/models/status'
import { createFakePlatform, type FakeHandlers, type FakePlatform } from '../platform/fake-client'
import { createStores, startStores, StoresContext, type Stores } from '../stores'
import type { PipelineSummary } from '../stores/pipelines-store'

/** A library pipeline's summary. */
export function summary(name: string, extra: Partial<PipelineSummary> = {}): PipelineSummary {
  return {
    name,
    source: 'library',
    path: null,
    enabled: true,
    isDefault: false,
    status: 'loaded',
    error: null,
    version: 1,
    updatedAt: 1,
    ...extra
  }
}

/** A local model's runtime status. */
export function runtime(extra: Partial<ModelRuntimeStatus> = {}): ModelRuntimeStatus {
  return {
    key: 'm',
    pipeline: 'p',
    runner: 'llama-cpp',
    source: 'https://example.com/models/tiny-q4.gguf',
    state: 'ready',
    lastError: null,
    pid: 1,
    port: 1,
    memory: null,
    gpu: false,
    gpuLayers: null,
    loadedSince: 1,
    lastUsed: 1,
    tokensPerSecond: 12.5,
    restarts: 0,
    ...extra
  }
}

/** A router choosing between two experts by their use-case. */
export const ROUTER = JSON.stringify({
  models: { m: { type: 'external', url: 'http://127.0.0.1:9/v1' } },
  architecture: [
    { name: 'router', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': [1] },
    {
      name: 'billing',
      layer: 1,
      model: 'm',
      adapter: 'openai-api',
      'use-case': 'Invoices and refunds',
      'output-to': ['output']
    },
    {
      name: 'tech',
      layer: 1,
      model: 'm',
      adapter: 'openai-api',
      'use-case': 'Broken devices',
      'output-to': ['output']
    },
    { name: 'output', adapter: 'output' }
  ]
})

/** Handlers every page needs: a running server on port 43117, one pipeline, nothing else. */
export function baseHandlers(): FakeHandlers {
  const server: OutputOf<'server.status'> = {
    state: 'running',
    url: 'http://127.0.0.1:43117',
    host: '127.0.0.1',
    port: 43117,
    startedAt: 1,
    error: null
  }
  return {
    'server.status': () => server,
    'pipelines.list': () => ({ pipelines: [summary('p', { isDefault: true })] }),
    'pipelines.get': ({ name }) => ({ ...summary(name), text: ROUTER, format: 'json' }),
    'pipelines.validate': () => ({ ok: true, diagnostics: [] }),
    'pipelines.versions': () => ({ versions: [] }),
    'pipelines.examples': () => ({ examples: [] }),
    'settings.get': () => DEFAULT_SETTINGS,
    'models.list': () => ({ runtime: [], local: [], pulls: [] }),
    'models.ollama_status': () => ({
      installed: false,
      running: false,
      managed: false,
      host: 'http://127.0.0.1:11434',
      version: null
    }),
    'models.catalog': () => ({ models: [] }),
    'access.list': () => ({ apps: [] }),
    'traces.list': () => ({ traces: [], nextCursor: null }),
    'secrets.list': () => ({ secrets: [], storage: { kind: 'key-file', warning: null } }),
    'secrets.sources': () => ({ sources: [] }),
    'functions.list': () => ({ functions: [] })
  }
}

export interface Rendered extends RenderResult {
  stores: Stores
  platform: FakePlatform
}

/** Renders `ui` (default: the whole app) over started stores answering `handlers`. */
export function renderApp(handlers: FakeHandlers = {}, ui: ReactNode = <App />): Rendered {
  const platform = createFakePlatform({ ...baseHandlers(), ...handlers })
  const stores = createStores(platform)
  const stop = startStores(stores)
  const result = render(<StoresContext.Provider value={stores}>{ui}</StoresContext.Provider>)
  const close = (): void => {
    if (!mounted.delete(close)) return
    result.unmount()
    stop()
  }
  mounted.add(close)
  return { ...result, stores, platform, unmount: close }
}

/** The apps rendered and not yet unmounted (their stores stopped with them). */
const mounted = new Set<() => void>()

/**
 * For a page test file: each test starts with no hash, and every app it rendered is unmounted
 * (its stores stopped) after it.
 */
export function cleanPagesBetweenTests(): void {
  beforeEach(() => {
    window.location.hash = ''
  })
  afterEach(() => {
    for (const close of [...mounted]) close()
    cleanup()
  })
}

/** Goes to a page as the navigation does (the hash). */
export function go(page: string): void {
  window.location.hash = `#/${page}`
  window.dispatchEvent(new HashChangeEvent('hashchange'))
}

/** Renders the app, waits until it is ready, and opens `page` (as the navigation does). */
export async function openPage(page: string, handlers: FakeHandlers = {}): Promise<Rendered> {
  const r = renderApp(handlers)
  await waitFor(() =>
    expect(document.querySelector('.app')?.getAttribute('data-app-state')).toBe('ready')
  )
  act(() => go(page))
  await screen.findByTestId(`page-${page.split('/')[0]}`)
  return r
}

/** A promise settled from outside: a route that has not answered yet (the loading state). */
export function deferred<T>(): {
  promise: Promise<T>
  resolve(value: T): void
  reject(err: unknown): void
} {
  let resolve: (value: T) => void = () => {}
  let reject: (err: unknown) => void = () => {}
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** The error toasts' texts (role alert). */
export function alerts(): string[] {
  return screen.queryAllByRole('alert').map((a) => a.textContent ?? '')
}
