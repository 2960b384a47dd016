/**
 * @module The app runtime's wiring over its data folder, for runtime.ts's `createAppRuntime`:
 * the settings read on every request, per-app access on `/v1`, the server control that adds the
 * control API and the UI, and the runtime's events turned into stored traces, counters, contract
 * events and `server.json`.
 */
import { chmod, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ContractHandlers } from '../shared/contract/handlers'
import type { ServerState } from '../shared/contract/server'
import type { Settings, StoredSettingsSchema } from '../shared/contract/settings'
import type { EventHub } from './control/events'
import { controlApiPlugin } from './control/http'
import { ServerControl, type ServerHost } from './control/server-control'
import { AccessPolicy, type AskUser } from './core/access/access-policy'
import type { EventBus } from './core/events'
import type { Metrics } from './core/metrics'
import { SERVER_FILE } from './core/paths'
import type { Authorizer } from './core/server/app'
import { registerUi, Sessions } from './core/server/ui'
import type { AppTokenRepository } from './core/storage/app-token-repository'
import type { Store } from './core/storage/store'

export type AppStore = Store<typeof StoredSettingsSchema>

/** The settings read on every request, kept in memory and replaced when the settings change. */
export interface LiveSettings {
  tracesOn: boolean
  requireKeys: boolean
  apply(settings: Settings): void
}

export function liveSettings(settings: Settings): LiveSettings {
  const live: LiveSettings = {
    tracesOn: settings.traces.enabled,
    requireKeys: settings.access.requireKeys,
    apply: (s) => {
      live.tracesOn = s.traces.enabled
      live.requireKeys = s.access.requireKeys
    }
  }
  return live
}

/** Per-app access on `/v1`: open access with no token to name an app looks nothing up. */
export function appAuthorizer(
  tokens: AppTokenRepository,
  store: AppStore,
  live: LiveSettings,
  ask: AskUser | undefined
): Authorizer {
  const policy = new AccessPolicy({
    tokens,
    requireKeys: () => store.settings.get('access').requireKeys,
    ask
  })
  // No promise per request when there is nothing to check.
  return (headers) =>
    live.requireKeys || headers.authorization !== undefined || headers['x-api-key'] !== undefined
      ? policy.authorize(headers)
      : undefined
}

/** createAppRuntime's step 4: the server control, whose servers carry the control API and (asked for) the UI. */
export function buildServer(parts: {
  runtime: ServerHost
  hub: EventHub
  store: AppStore
  token: string
  uiDir?: string
  authorize: Authorizer
  handlers: () => ContractHandlers | undefined
}): ServerControl {
  const { token, uiDir } = parts
  const sessions = new Sessions()
  return new ServerControl({
    runtime: parts.runtime,
    hub: parts.hub,
    defaults: () => parts.store.settings.get('server'),
    authorize: parts.authorize,
    extend: async (app) => {
      const handlers = parts.handlers()
      if (!handlers) throw new Error('the control API is not ready')
      await app.register(controlApiPlugin, {
        prefix: '/api',
        handlers,
        token,
        events: parts.hub,
        sessions
      })
      if (uiDir) registerUi(app, { dir: uiDir, token, sessions })
    }
  })
}

/** createAppRuntime's step 5: traces to the store (when on), their counters, core events as contract events. */
export function wireEvents(parts: {
  runtime: { events: EventBus; metrics: Metrics }
  hub: EventHub
  store: AppStore
  live: LiveSettings
  dataDir: string
}): void {
  const { runtime, hub, store, live, dataDir } = parts
  bridgeEvents(runtime.events, hub)
  runtime.events.on('trace', (t) => {
    if (live.tracesOn) store.traceWriter.push(t)
  })
  const stats = store.traceWriter.stats
  runtime.metrics.addCounters([
    {
      name: 'llmnet_traces_dropped_total',
      help: 'Traces not stored because the writer queue was full',
      value: () => stats.dropped
    },
    {
      name: 'llmnet_traces_skipped_total',
      help: 'Successful traces not stored because more than the per-second limit finished',
      value: () => stats.skipped
    },
    {
      name: 'llmnet_traces_failed_total',
      help: 'Traces lost to a failed batch write',
      value: () => stats.failed
    }
  ])
  // `<data folder>/server.json` tells the CLI's `local` context where this server listens.
  hub.subscribe((event, payload) => {
    if (event === 'server.state') void recordServer(dataDir, payload as ServerState)
  })
}

async function recordServer(dataDir: string, state: ServerState): Promise<void> {
  const file = join(dataDir, SERVER_FILE)
  try {
    if (state.state === 'running' && state.url) {
      await writeFile(file, JSON.stringify({ url: state.url, pid: process.pid }), { mode: 0o600 })
      await chmod(file, 0o600)
    } else if (state.state === 'stopped' || state.state === 'error') await rm(file, { force: true })
  } catch {
    // Only the CLI's convenience is lost; the server itself is fine.
  }
}

/** Core events as contract events (library pipelines have no path). */
function bridgeEvents(events: EventBus, hub: EventHub): void {
  const path = (p: string): string | null => (p.startsWith('library:') ? null : p)
  events.on('pipeline.loaded', (e) =>
    hub.emit('pipeline.loaded', { name: e.id, path: path(e.path), reloaded: e.reloaded })
  )
  events.on('pipeline.removed', (e) =>
    hub.emit('pipeline.removed', { name: e.id, path: path(e.path) })
  )
  events.on('pipeline.reload_failed', (e) =>
    hub.emit('pipeline.reload_failed', { name: e.id, path: path(e.path), errors: e.errors })
  )
  events.on('model.status', (s) => hub.emit('model.status', s))
  events.on('trace', (t) => hub.emit('trace', t))
}
