/**
 * @module The composition root, Electron-free: the CLI, the headless server and the Electron
 * shell all create the runtime the same way and talk to the same object.
 */
import { join } from 'node:path'
import pkg from '../../package.json' with { type: 'json' }
import type { EngineDeps } from './core/engine/engine'
import { type FunctionRunner, ObserveQueue } from './core/engine/hooks'
import { runFunction } from './core/functions/run-function'
import { EventBus } from './core/events'
import { Metrics } from './core/metrics'
import { PipelineRegistry } from './core/pipelines/registry'
import { PipelineService } from './core/pipelines/service'
import { UpstreamPools } from './core/providers/http-transport'
import { DefaultProviderResolver, type ResolverOptions } from './core/providers/resolver'
import { createApp, DEFAULT_SERVER_OPTIONS, type ServerOptions } from './core/server/app'
import { InFlight } from './core/server/in-flight'
import { listen, type Listening } from './core/server/listen'
import type { SecretStore } from './core/secrets/types'
import { LocalModelManager } from './core/local/manager'
import type { ForkLike } from './core/local/worker-fork'
import { ModelLibrary } from './core/models/library'
import { OllamaManager } from './core/models/ollama'
import { defaultDataDir } from './core/paths'

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv
  /** The app's secret store, for `store` secret sources. */
  secretStore?: SecretStore
  /** Where models and state live (default: LLMNET_DATA_DIR or the platform's app-data folder). */
  dataDir?: string
  /** How model processes are started: Electron's utilityProcess in the app, fork() headless. */
  fork?: ForkLike
  /** Local models unload after this long without requests (default 10 minutes). */
  idleTtlMs?: number
  server?: Partial<ServerOptions>
  timeouts?: ResolverOptions['timeouts']
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
  /** Starts the HTTP API; `port` 0 picks a free port. */
  listen(port: number): Promise<Listening>
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
  const models = new LocalModelManager({
    library,
    events,
    ollama: () => new OllamaManager({ env }),
    idleTtlMs: opts.idleTtlMs,
    fork: opts.fork,
    env,
    pools
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
    onRemoved: (p) => models.release(p.id)
  })
  const serverOptions: ServerOptions = { ...DEFAULT_SERVER_OPTIONS, ...opts.server }
  let server: Listening | undefined

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
    async listen(port) {
      const inflight = new InFlight()
      const app = createApp({
        inflight,
        pipelines,
        engine,
        metrics,
        options: serverOptions,
        version: pkg.version,
        modelStatus: () => models.status(),
        pipelineProblems: (id) => models.problems(id)
      })
      server = await listen(app, inflight, serverOptions.host, port)
      events.emit('server.listening', { url: server.url, host: server.host, port: server.port })
      return server
    },
    async stop({ graceMs = 2000 } = {}) {
      const deadline = Date.now() + graceMs
      pipelineService.close()
      await server?.close(graceMs)
      server = undefined
      // Observe hooks run after their request answered: wait for them, but not for ever.
      await engine.hooks?.queue.idle(Math.max(1000, deadline - Date.now()))
      await models.stopAll()
      await pools.close()
    }
  }
}
