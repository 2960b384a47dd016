/**
 * @module The composition root, Electron-free: the CLI, the headless server and the Electron
 * shell all create the runtime the same way and talk to the same object.
 */
import { chmod, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import pkg from '../../package.json' with { type: 'json' }
import type { ContractHandlers } from '../shared/contract/handlers'
import type { ServerState } from '../shared/contract/server'
import { StoredSettingsSchema } from '../shared/contract/settings'
import { createEventHub, type EventHub } from './control/events'
import { ChatSessions } from './control/handlers/chat'
import { createHandlers } from './control/handlers'
import { controlApiPlugin } from './control/http'
import { ServerControl } from './control/server-control'
import { LibrarySource } from './core/pipelines/library-source'
import { loadAccessToken } from './core/storage/access-token'
import { registerUi, Sessions } from './core/server/ui'
import type { Encryptor } from './core/storage/encryption'
import { openStore, type Store } from './core/storage/store'
import { SqliteResponseStore } from './core/storage/response-repository'
import { MemoryResponseStore, type ResponseStore } from './core/responses/response-store'
import { AccessPolicy, type AskUser } from './core/access/access-policy'
import { AppTokenRepository } from './core/storage/app-token-repository'
import type { Authorizer } from './core/server/app'
import type { EngineDeps } from './core/engine/engine'
import { EvalService } from './core/eval/eval-service'
import { createJsonValidator } from './core/eval/json-schema'
import { type FunctionRunner, ObserveQueue } from './core/engine/hooks'
import { runFunction } from './core/functions/run-function'
import { EventBus } from './core/events'
import { Metrics } from './core/metrics'
import { PipelineRegistry } from './core/pipelines/registry'
import { PipelineService } from './core/pipelines/service'
import { UpstreamPools } from './core/providers/http-transport'
import { DefaultProviderResolver, type ResolverOptions } from './core/providers/resolver'
import { unresolvedApiKeys } from './core/providers/api-key-check'
import {
  createApp,
  DEFAULT_SERVER_OPTIONS,
  type Readiness,
  type ServerOptions
} from './core/server/app'
import { InFlight } from './core/server/in-flight'
import { listen, type Listening } from './core/server/listen'
import type { SecretStore } from './core/secrets/types'
import { LocalModelManager } from './core/local/manager'
import type { ForkLike } from './core/local/worker-fork'
import { ModelLibrary } from './core/models/library'
import { OllamaManager } from './core/models/ollama'
import { defaultDataDir, SERVER_FILE } from './core/paths'

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv
  /** The app's secret store, for `store` secret sources. */
  secretStore?: SecretStore
  /** Where models and state live (default: LLMNET_DATA_DIR or the platform's app-data folder). */
  dataDir?: string
  /** How model processes are started: Electron's utilityProcess in the app, fork() headless. */
  fork?: ForkLike
  /** Composition files larger than this are refused unread (default 8 MiB; `--max-file-size`). */
  maxFileBytes?: number
  /** Local models unload after this long without requests (default 10 minutes). */
  idleTtlMs?: number
  /** A local model that crashed too often tries again after this long (default 60 s; tests). */
  breakerCooldownMs?: number
  server?: Partial<ServerOptions>
  timeouts?: ResolverOptions['timeouts']
  /**
   * `GET /ready` answers 503 until {@link Runtime.markReady} (a pod that listens before it loads
   * and warms its pipelines). Default: ready as soon as it listens, since callers load first.
   */
  startUnready?: boolean
  /** Where `/v1/responses` stores responses (default: in memory, bounded). */
  responseStore?: ResponseStore
}

export interface ListenOptions {
  /** Bind this address instead of the runtime's configured host. */
  host?: string
  /** Adds routes (the control API, the UI) before the server listens. */
  extend?: (app: FastifyInstance) => void | Promise<void>
  /** Per-app access on `/v1` (the app and `serve`). */
  authorize?: Authorizer
  /** Browser origins allowed on `/v1` besides the runtime's own (the app's settings). */
  corsOrigins?: readonly string[]
}

export interface Runtime {
  readonly events: EventBus
  readonly pipelines: PipelineRegistry
  /** Where pipelines enter: files and the library, compiled into `pipelines`. */
  readonly pipelineService: PipelineService
  readonly metrics: Metrics
  readonly engine: EngineDeps
  readonly serverOptions: ServerOptions
  readonly library: ModelLibrary
  /** llama.cpp and Ollama models run for the user. */
  readonly models: LocalModelManager
  /** Keep-alive connections to every upstream, local models included; closed by `stop()`. */
  readonly pools: UpstreamPools
  /**
   * Why a pipeline cannot answer yet: a local model that is missing or cannot start (see
   * {@link LocalModelManager.prepare}), or a model whose `api-key` names an unset variable or an
   * unloaded secret. Empty when it is ready; `/status` and `/ready` show these.
   */
  problems(pipelineId: string): string[]
  /** `GET /ready`: loaded (see {@link RuntimeOptions.startUnready}) and no pipeline waits on a model. */
  readiness(): Readiness
  /** The pipelines are loaded and their local models warmed: `/ready` may answer 200. */
  markReady(): void
  /** Starts the HTTP API; `port` 0 picks a free port. */
  listen(port: number, opts?: ListenOptions): Promise<Listening>
  /** The server while it listens. */
  readonly server: Listening | undefined
  /** Stops the HTTP API only (draining like `stop`); the runtime stays up. */
  closeServer(graceMs?: number): Promise<void>
  /**
   * Stops serving: requests in flight get `graceMs` (default 2 s) to finish, then end with a
   * `shutdown` error; observe hooks still queued get what is left of the grace (at least 1 s);
   * then local models stop and upstream connections close.
   */
  stop(opts?: { graceMs?: number }): Promise<void>
}

/** Hooks call functions through the functions subsystem. */
export const functionRunner: FunctionRunner = (name, def, ctx) =>
  runFunction(name, def, ctx, { expectReply: ctx.expectReply })

export function createRuntime(opts: RuntimeOptions = {}): Runtime {
  const events = new EventBus()
  const pipelines = new PipelineRegistry()
  const metrics = new Metrics()
  events.on('trace', (t) => metrics.observeTrace(t))
  const env = opts.env ?? process.env
  const dataDir = opts.dataDir ?? defaultDataDir(env)
  const library = new ModelLibrary({ dataDir, env })
  const pools = new UpstreamPools()
  // One store across restarts of the server, so a stopped and started server keeps them.
  const responses = opts.responseStore ?? new MemoryResponseStore()
  const models = new LocalModelManager({
    library,
    events,
    ollama: () => new OllamaManager({ env }),
    idleTtlMs: opts.idleTtlMs,
    fork: opts.fork,
    env,
    pools,
    pipelines: () => pipelines.list(),
    breakerCooldownMs: opts.breakerCooldownMs
  })
  const engine: EngineDeps = {
    providers: new DefaultProviderResolver({ env, timeouts: opts.timeouts, local: models, pools }),
    events,
    hooks: { run: functionRunner, queue: new ObserveQueue() }
  }
  const pipelineService = new PipelineService({
    registry: pipelines,
    events,
    secrets: { env, store: opts.secretStore },
    workspaceRoot: join(dataDir, 'workspaces'),
    maxFileBytes: opts.maxFileBytes,
    onRemoved: (p) => models.release(p.id)
  })
  const serverOptions: ServerOptions = { ...DEFAULT_SERVER_OPTIONS, ...opts.server }
  let server: Listening | undefined
  let loaded = !opts.startUnready
  const problems = (id: string): string[] => {
    const p = pipelines.get(id)
    const keys = p ? unresolvedApiKeys(p.composition, env, p.secrets).map((k) => k.message) : []
    return [...models.problems(id), ...keys]
  }
  const readiness = (): Readiness => {
    if (!loaded) return { ready: false, reasons: ['the pipelines are loading'] }
    const list = pipelines.list()
    const reasons = list.flatMap((p) => problems(p.id).map((m) => `${p.id}: ${m}`))
    if (list.length === 0) reasons.push('no pipeline is loaded')
    return { ready: reasons.length === 0, reasons }
  }

  return {
    events,
    pipelines,
    pipelineService,
    metrics,
    engine,
    serverOptions,
    library,
    models,
    pools,
    problems,
    readiness,
    markReady() {
      loaded = true
    },
    async listen(port, listenOpts = {}) {
      if (server) throw new Error(`the server is already listening on ${server.url}`)
      const options: ServerOptions = {
        ...serverOptions,
        host: listenOpts.host ?? serverOptions.host,
        corsOrigins: [...new Set([...serverOptions.corsOrigins, ...(listenOpts.corsOrigins ?? [])])]
      }
      const inflight = new InFlight()
      const app = createApp({
        inflight,
        pipelines,
        engine,
        metrics,
        options,
        version: pkg.version,
        modelStatus: () => models.status(),
        ollamaStatus: () => models.ollamaStatus(),
        pipelineProblems: problems,
        ready: readiness,
        authorize: listenOpts.authorize,
        responses
      })
      await listenOpts.extend?.(app)
      server = await listen(app, inflight, options.host, port)
      events.emit('server.listening', { url: server.url, host: server.host, port: server.port })
      return server
    },
    get server() {
      return server
    },
    async closeServer(graceMs = 2000) {
      const closing = server
      server = undefined
      await closing?.close(graceMs)
    },
    async stop({ graceMs = 2000 } = {}) {
      const deadline = Date.now() + graceMs
      pipelineService.close()
      const closing = server
      server = undefined
      await closing?.close(graceMs)
      // Observe hooks run after their request answered: wait for them, but not for ever.
      await engine.hooks?.queue.idle(Math.max(1000, deadline - Date.now()))
      await models.stopAll()
      await pools.close()
    }
  }
}

export interface AppRuntimeOptions extends Omit<RuntimeOptions, 'secretStore' | 'dataDir'> {
  /** The data folder: Electron's `userData` in the app, `--data-dir` or the default headless. */
  dataDir: string
  /** The app passes `safeStorageEncryptor(safeStorage)`; headless: AES-256-GCM with a key file. */
  encryptor?: Encryptor
  /** better-sqlite3's native module for Electron's ABI (the app); Node's by default. */
  nativeBinding?: string
  /** The built renderer, served at `/` behind the access token (`llmnet serve --ui`). */
  uiDir?: string
  /** Replace the access token (`llmnet serve --new-token`). */
  rotateToken?: boolean
  /** The desktop shell's prompt for an unknown app token; headless, unknown tokens are refused. */
  access?: { ask?: AskUser }
}

/** The runtime with its data folder: library, settings, traces, secrets, and the control API. */
export interface AppRuntime {
  readonly runtime: Runtime
  readonly store: Store<typeof StoredSettingsSchema>
  /** Every contract route and event, for IPC and `/api`. */
  readonly control: { handlers: ContractHandlers; hub: EventHub }
  readonly server: ServerControl
  /** The control API's and the UI's access token (kept in the data folder). */
  readonly token: string
  /** Loads the library, then starts the server (on `at`, else per settings when autostart). */
  start(at?: { host?: string; port?: number }): Promise<ServerState>
  /** Drains and stops everything, flushes the trace writer, closes the database, unlocks. */
  stop(opts?: { graceMs?: number }): Promise<void>
}

/**
 * Opens the data folder (lock, database, secret key) and builds the runtime over it. Throws a
 * StorageError when another process holds the folder or the database is corrupt or newer.
 */
export async function createAppRuntime(opts: AppRuntimeOptions): Promise<AppRuntime> {
  const env = opts.env ?? process.env
  const { dataDir } = opts
  const store = openStore({
    dataDir,
    settingsSchema: StoredSettingsSchema,
    encryptor: opts.encryptor,
    env,
    database: opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : undefined
  })
  try {
    const settings = store.settings.all()
    const idle = settings.models.idleUnloadSeconds
    const runtime = createRuntime({
      ...opts,
      env,
      dataDir,
      secretStore: store.secrets,
      responseStore: new SqliteResponseStore(store.db),
      // 0 keeps models loaded, as the setting says (LlamaCppProcess reads 0 as never).
      idleTtlMs: opts.idleTtlMs ?? idle * 1000
    })
    runtime.engine.recordExchanges = true
    runtime.pipelines.setDefault(settings.defaultPipeline ?? undefined)
    const hub = createEventHub()
    bridgeEvents(runtime.events, hub)
    let tracesOn = settings.traces.enabled
    runtime.events.on('trace', (t) => {
      if (tracesOn) store.traceWriter.push(t)
    })
    runtime.metrics.addCounters([
      {
        name: 'llmnet_traces_dropped_total',
        help: 'Traces not stored because the writer queue was full',
        value: () => store.traceWriter.stats.dropped
      },
      {
        name: 'llmnet_traces_skipped_total',
        help: 'Successful traces not stored because more than the per-second limit finished',
        value: () => store.traceWriter.stats.skipped
      },
      {
        name: 'llmnet_traces_failed_total',
        help: 'Traces lost to a failed batch write',
        value: () => store.traceWriter.stats.failed
      }
    ])
    const source = new LibrarySource(store.pipelines, runtime.pipelineService)
    const tokens = new AppTokenRepository(store.db)
    const policy = new AccessPolicy({
      tokens,
      requireKeys: () => store.settings.get('access').requireKeys,
      ask: opts.access?.ask
    })
    let requireKeys = settings.access.requireKeys
    // Open access with no token to name an app: nothing to look up, no promise per request.
    const authorize: Authorizer = (headers) =>
      requireKeys || headers.authorization !== undefined || headers['x-api-key'] !== undefined
        ? policy.authorize(headers)
        : undefined
    const { token } = await loadAccessToken(dataDir, { rotate: opts.rotateToken })
    const sessions = new Sessions()
    const chatSessions = new ChatSessions()
    // The server's routes need the handlers, and the server routes' handlers need the server.
    const ready: { handlers?: ContractHandlers } = {}
    const server = new ServerControl({
      runtime,
      hub,
      defaults: () => store.settings.get('server'),
      authorize,
      extend: async (app) => {
        if (!ready.handlers) throw new Error('the control API is not ready')
        await app.register(controlApiPlugin, {
          prefix: '/api',
          handlers: ready.handlers,
          token,
          events: hub,
          sessions
        })
        if (opts.uiDir) registerUi(app, { dir: opts.uiDir, token, sessions })
      }
    })
    const registry = runtime.pipelines
    const service = runtime.pipelineService
    const evals = new EvalService({
      repo: store.evals,
      engine: runtime.engine,
      trace: (id) => store.traces.get(id),
      served: (name) => registry.get(name),
      version: (name, version) => {
        const v = store.pipelines.getVersion(name, version)
        return service.compileDetached(name, `${name}@v${version}`, v.text, v.format)
      },
      validateJson: createJsonValidator(),
      emitProgress: (p) => hub.emit('eval.progress', p),
      emitDone: ({ report: _r, againstReport: _a, ...run }) => hub.emit('eval.done', run)
    })
    const handlers = createHandlers({
      pipelines: {
        registry,
        service,
        library: store.pipelines,
        source,
        setDefault: (name) => {
          store.settings.set('defaultPipeline', name)
          registry.setDefault(name ?? undefined)
        }
      },
      models: { registry, models: runtime.models, library: runtime.library, hub, env },
      secrets: {
        secrets: store.secrets,
        registry,
        service,
        source,
        hub,
        storage: {
          kind:
            store.secrets.kind === 'electron-safe-storage'
              ? 'safe-storage'
              : env.LLMNET_SECRET_KEY || env.LLMNET_SECRET_KEY_FILE
                ? 'env-key'
                : 'key-file',
          warning: store.secrets.warning ?? null
        }
      },
      chat: { pipelines: registry, engine: runtime.engine, hub, sessions: chatSessions },
      settings: {
        settings: store.settings,
        hub,
        apply: (s) => {
          registry.setDefault(s.defaultPipeline ?? undefined)
          tracesOn = s.traces.enabled
          requireKeys = s.access.requireKeys
        }
      },
      traces: store.traces,
      server,
      tokens,
      evals
    })
    ready.handlers = handlers
    // `<data folder>/server.json` tells the CLI's `local` context where this server listens.
    hub.subscribe((event, payload) => {
      if (event === 'server.state') void recordServer(dataDir, payload as ServerState)
    })
    const control = { handlers, hub }
    return {
      runtime,
      store,
      control,
      server,
      token,
      async start(at) {
        await source.loadAll()
        if (at || store.settings.get('server').autostart) return server.start(at)
        return server.status()
      },
      async stop(stopOpts = {}) {
        chatSessions.stopAll()
        evals.cancelAll()
        await evals.idle()
        const graceMs = stopOpts.graceMs ?? 2000
        const deadline = Date.now() + graceMs
        await server.stop(graceMs)
        await rm(join(dataDir, SERVER_FILE), { force: true }).catch(() => undefined)
        await runtime.stop({ graceMs: Math.max(0, deadline - Date.now()) })
        store.close()
      }
    }
  } catch (err) {
    store.close()
    throw err
  }
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
