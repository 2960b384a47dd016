/**
 * @module The composition root, Electron-free: the CLI, the headless server and the Electron
 * shell all create the runtime the same way and talk to the same object.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import pkg from '../../package.json' with { type: 'json' }
import type { ContractHandlers } from '../shared/contract/handlers'
import type { ServerState } from '../shared/contract/server'
import { StoredSettingsSchema } from '../shared/contract/settings'
import { type AppStore, appAuthorizer, buildServer, liveSettings, wireEvents } from './app-wiring'
import { createEventHub, type EventHub } from './control/events'
import { createHandlers } from './control/handlers'
import type { ServerControl } from './control/server-control'
import { loadAccessToken } from './core/storage/access-token'
import type { Encryptor } from './core/storage/encryption'
import { openStore, type Store } from './core/storage/store'
import { SqliteResponseStore } from './core/storage/response-repository'
import { MemoryResponseStore, type ResponseStore } from './core/responses/response-store'
import type { AskUser } from './core/access/access-policy'
import { AppTokenRepository } from './core/storage/app-token-repository'
import type { Authorizer } from './core/server/app'
import type { EngineDeps } from './core/engine/engine'
import { createServices, type Services } from './core/services/services'
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
import { OllamaManager } from './core/models/ollama/manager'
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

/**
 * Builds the headless runtime in named steps: its parts (events, registry, models, engine, the
 * pipeline service), the readiness checks over them, and the server's lifecycle.
 */
export function createRuntime(opts: RuntimeOptions = {}): Runtime {
  const env = opts.env ?? process.env
  const parts = runtimeParts(opts, env)
  const gate = { loaded: !opts.startUnready }
  const { problems, readiness } = readinessChecks(parts, env, () => gate.loaded)
  const serving = serverLifecycle(parts, { problems, readiness })
  return {
    events: parts.events,
    pipelines: parts.pipelines,
    pipelineService: parts.pipelineService,
    metrics: parts.metrics,
    engine: parts.engine,
    serverOptions: parts.serverOptions,
    library: parts.library,
    models: parts.models,
    pools: parts.pools,
    problems,
    readiness,
    markReady() {
      gate.loaded = true
    },
    listen: serving.listen,
    get server() {
      return serving.current()
    },
    closeServer: serving.close,
    stop: serving.stopAll
  }
}

/** What {@link createRuntime}'s steps share. */
interface RuntimeParts {
  events: EventBus
  pipelines: PipelineRegistry
  metrics: Metrics
  library: ModelLibrary
  pools: UpstreamPools
  models: LocalModelManager
  engine: EngineDeps
  pipelineService: PipelineService
  serverOptions: ServerOptions
  /** One store across restarts of the server, so a stopped and started server keeps them. */
  responses: ResponseStore
}

/** Step 1: the parts, each over the ones before it (the metrics see every trace). */
function runtimeParts(opts: RuntimeOptions, env: NodeJS.ProcessEnv): RuntimeParts {
  const events = new EventBus()
  const pipelines = new PipelineRegistry()
  const metrics = new Metrics()
  events.on('trace', (t) => metrics.observeTrace(t))
  const dataDir = opts.dataDir ?? defaultDataDir(env)
  const library = new ModelLibrary({ dataDir, env })
  const pools = new UpstreamPools()
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
  return {
    events,
    pipelines,
    metrics,
    library,
    pools,
    models,
    engine,
    pipelineService,
    serverOptions,
    responses
  }
}

type ReadinessChecks = Pick<Runtime, 'problems' | 'readiness'>

/** Step 2: why a pipeline cannot answer yet, and `/ready`'s answer over all of them. */
function readinessChecks(
  parts: RuntimeParts,
  env: NodeJS.ProcessEnv,
  loaded: () => boolean
): ReadinessChecks {
  const { pipelines, models } = parts
  const problems = (id: string): string[] => {
    const p = pipelines.get(id)
    const keys = p ? unresolvedApiKeys(p.composition, env, p.secrets).map((k) => k.message) : []
    return [...models.problems(id), ...keys]
  }
  const readiness = (): Readiness => {
    if (!loaded()) return { ready: false, reasons: ['the pipelines are loading'] }
    const list = pipelines.list()
    const reasons = list.flatMap((p) => problems(p.id).map((m) => `${p.id}: ${m}`))
    if (list.length === 0) reasons.push('no pipeline is loaded')
    return { ready: reasons.length === 0, reasons }
  }
  return { problems, readiness }
}

/** Step 3: the HTTP server's lifecycle (one at a time), and the stop of the whole runtime. */
function serverLifecycle(
  parts: RuntimeParts,
  checks: ReadinessChecks
): {
  listen: Runtime['listen']
  current(): Listening | undefined
  close: Runtime['closeServer']
  stopAll: Runtime['stop']
} {
  let server: Listening | undefined
  const close = async (graceMs = 2000): Promise<void> => {
    const closing = server
    server = undefined
    await closing?.close(graceMs)
  }
  return {
    async listen(port, listenOpts = {}) {
      if (server) throw new Error(`the server is already listening on ${server.url}`)
      server = await listenWith(parts, checks, port, listenOpts)
      const { url, host } = server
      parts.events.emit('server.listening', { url, host, port: server.port })
      return server
    },
    current: () => server,
    close,
    async stopAll({ graceMs = 2000 } = {}) {
      const deadline = Date.now() + graceMs
      parts.pipelineService.close()
      await close(graceMs)
      // Observe hooks run after their request answered: wait for them, but not for ever.
      await parts.engine.hooks?.queue.idle(Math.max(1000, deadline - Date.now()))
      await parts.models.stopAll()
      await parts.pools.close()
    }
  }
}

/** The app over the runtime's parts, extended (control API, UI), listening on `port`. */
async function listenWith(
  parts: RuntimeParts,
  checks: ReadinessChecks,
  port: number,
  listenOpts: ListenOptions
): Promise<Listening> {
  const { serverOptions, models } = parts
  const options: ServerOptions = {
    ...serverOptions,
    host: listenOpts.host ?? serverOptions.host,
    corsOrigins: [...new Set([...serverOptions.corsOrigins, ...(listenOpts.corsOrigins ?? [])])]
  }
  const inflight = new InFlight()
  const app = createApp({
    inflight,
    pipelines: parts.pipelines,
    engine: parts.engine,
    metrics: parts.metrics,
    options,
    version: pkg.version,
    modelStatus: () => models.status(),
    ollamaStatus: () => models.ollamaStatus(),
    pipelineProblems: checks.problems,
    ready: checks.readiness,
    authorize: listenOpts.authorize,
    responses: parts.responses
  })
  await listenOpts.extend?.(app)
  return listen(app, inflight, options.host, port)
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
 * Opens the data folder (lock, database, secret key) and builds the runtime over it, in named
 * steps: open the store, the runtime over it, the services, the server, the events' wiring.
 * Throws a StorageError when another process holds the folder or the database is corrupt or newer.
 */
export async function createAppRuntime(opts: AppRuntimeOptions): Promise<AppRuntime> {
  const env = opts.env ?? process.env
  const store = openAppStore(opts, env)
  try {
    const runtime = runtimeOverStore(store, opts, env)
    const hub = createEventHub()
    const live = liveSettings(store.settings.all())
    const tokens = new AppTokenRepository(store.db)
    // Step 3: the services the control routes call (see core/services/services.ts).
    const services = createServices({
      store,
      tokens,
      registry: runtime.pipelines,
      pipelineService: runtime.pipelineService,
      engine: runtime.engine,
      localModels: runtime.models,
      modelLibrary: runtime.library,
      emit: hub.emit,
      env,
      apply: live.apply
    })
    const { token } = await loadAccessToken(opts.dataDir, { rotate: opts.rotateToken })
    // The server's routes need the handlers, and the server routes' handlers need the server.
    const ready: { handlers?: ContractHandlers } = {}
    const server = buildServer({
      runtime,
      hub,
      store,
      token,
      uiDir: opts.uiDir,
      authorize: appAuthorizer(tokens, store, live, opts.access?.ask),
      handlers: () => ready.handlers
    })
    ready.handlers = createHandlers({ services, server })
    wireEvents({ runtime, hub, store, live, dataDir: opts.dataDir })
    return appRuntime({ runtime, store, hub, server, token, services, handlers: ready.handlers })
  } catch (err) {
    store.close()
    throw err
  }
}

/** Step 1: the data folder's store (lock, database, secret key), with Electron's binding if given. */
function openAppStore(opts: AppRuntimeOptions, env: NodeJS.ProcessEnv): AppStore {
  return openStore({
    dataDir: opts.dataDir,
    settingsSchema: StoredSettingsSchema,
    encryptor: opts.encryptor,
    env,
    database: opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : undefined
  })
}

/** Step 2: the runtime over the store: its secrets, stored responses, idle setting and default. */
function runtimeOverStore(
  store: AppStore,
  opts: AppRuntimeOptions,
  env: NodeJS.ProcessEnv
): Runtime {
  const settings = store.settings.all()
  const runtime = createRuntime({
    ...opts,
    env,
    secretStore: store.secrets,
    responseStore: new SqliteResponseStore(store.db),
    // 0 keeps models loaded, as the setting says (LlamaCppProcess reads 0 as never).
    idleTtlMs: opts.idleTtlMs ?? settings.models.idleUnloadSeconds * 1000
  })
  runtime.engine.recordExchanges = true
  runtime.pipelines.setDefault(settings.defaultPipeline ?? undefined)
  return runtime
}

/** The assembled app runtime: start loads the library then serves; stop undoes it all. */
function appRuntime(parts: {
  runtime: Runtime
  store: AppStore
  hub: EventHub
  server: ServerControl
  token: string
  services: Services
  handlers: ContractHandlers
}): AppRuntime {
  const { runtime, store, server, services } = parts
  return {
    runtime,
    store,
    control: { handlers: parts.handlers, hub: parts.hub },
    server,
    token: parts.token,
    async start(at) {
      await services.source.loadAll()
      if (at || store.settings.get('server').autostart) return server.start(at)
      return server.status()
    },
    async stop(stopOpts = {}) {
      services.chat.stopAll()
      services.evals.cancelAll()
      await services.evals.idle()
      const graceMs = stopOpts.graceMs ?? 2000
      const deadline = Date.now() + graceMs
      await server.stop(graceMs)
      await rm(join(store.dataDir, SERVER_FILE), { force: true }).catch(() => undefined)
      await runtime.stop({ graceMs: Math.max(0, deadline - Date.now()) })
      store.close()
    }
  }
}
