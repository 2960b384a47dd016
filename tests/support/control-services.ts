/**
 * The real control handlers and services for the transports' and shell's tests: every service
 * over an in-memory SQLite store (`openMemoryStore`) and a runtime that serves no pipeline until
 * one is saved to the library. Its data folder (workspaces, model files) is a temp folder.
 */
import { createHandlers } from '../../src/main/control/handlers'
import { createEventHub, type EventHub } from '../../src/main/control/events'
import { ServerControl } from '../../src/main/control/server-control'
import { createServices, type Services } from '../../src/main/core/services/services'
import { AppTokenRepository } from '../../src/main/core/storage/app-token-repository'
import { openMemoryStore, type Repositories } from '../../src/main/core/storage/store'
import { createRuntime, type Runtime } from '../../src/main/runtime'
import type { ContractHandlers, HandlerContext } from '../../src/shared/contract/handlers'
import { StoredSettingsSchema } from '../../src/shared/contract/settings'
import { tempDir } from './harness'

export interface ControlFixture {
  handlers: ContractHandlers
  services: Services
  hub: EventHub
  runtime: Runtime
  store: Repositories<typeof StoredSettingsSchema>
  server: ServerControl
  /** Stops chats, the server and the runtime, closes the store, removes the temp folder. */
  close(): Promise<void>
}

/** A handler call's context (IPC, never aborted). */
export const ctx: HandlerContext = { transport: 'ipc', signal: new AbortController().signal }

export function controlFixture(
  opts: { examplesDir?: string; env?: NodeJS.ProcessEnv } = {}
): ControlFixture {
  const tmp = tempDir('llmnet-control-')
  const env = { LLMNET_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'), ...opts.env }
  const store = openMemoryStore({ settingsSchema: StoredSettingsSchema })
  // A started server picks a free port, never the default 8080.
  store.settings.set('server', { ...store.settings.get('server'), port: 0 })
  const runtime = createRuntime({ dataDir: tmp.dir, env, secretStore: store.secrets })
  const hub = createEventHub()
  const services = createServices({
    store,
    tokens: new AppTokenRepository(store.db),
    registry: runtime.pipelines,
    pipelineService: runtime.pipelineService,
    engine: runtime.engine,
    localModels: runtime.models,
    modelLibrary: runtime.library,
    emit: hub.emit,
    env,
    examplesDir: opts.examplesDir
  })
  const server = new ServerControl({ runtime, hub, defaults: () => store.settings.get('server') })
  const handlers = createHandlers({ services, server })
  return {
    handlers,
    services,
    hub,
    runtime,
    store,
    server,
    async close() {
      services.chat.stopAll()
      await server.stop(100)
      await runtime.stop({ graceMs: 100 })
      store.close()
      tmp.remove()
    }
  }
}

/** A composition with one node answering through the OpenAI-compatible server at `url`. */
export function echoComposition(url: string): string {
  return JSON.stringify({
    models: { m: { type: 'external', url: `${url}/v1` } },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  })
}
