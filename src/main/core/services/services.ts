/**
 * @module Every control service over one store and one runtime's engine: what the control
 * routes' handlers call. The app builds them in `createAppRuntime`; tests build them over an
 * in-memory store (`openMemoryStore`) and a runtime that serves no pipeline yet.
 */
import type { Settings, StoredSettingsSchema } from '../../../shared/contract/settings'
import type { EngineDeps } from '../engine/engine'
import { EvalService } from '../eval/eval-service'
import { createJsonValidator } from '../eval/json-schema'
import type { LocalModelManager } from '../local/manager'
import type { ModelLibrary } from '../models/library'
import { LibrarySource } from '../pipelines/library-source'
import type { PipelineRegistry } from '../pipelines/registry'
import type { PipelineService } from '../pipelines/service'
import type { AppTokenRepository } from '../storage/app-token-repository'
import type { Repositories } from '../storage/store'
import { AccessService } from './access-service'
import { ChatService } from './chat-service'
import { DiscoverService } from './discover-service'
import type { EmitEvent } from './emit'
import { FunctionsService } from './functions-service'
import { ModelPulls } from './model-pulls'
import { ModelsService } from './models-service'
import { PipelinesService } from './pipelines-service'
import { SecretsService } from './secrets-service'
import { SettingsService } from './settings-service'
import { TracesService } from './traces-service'

export interface ServicesDeps {
  store: Repositories<typeof StoredSettingsSchema>
  tokens: AppTokenRepository
  registry: PipelineRegistry
  pipelineService: PipelineService
  engine: EngineDeps
  /** The llama.cpp workers and Ollama the runtime runs models with. */
  localModels: LocalModelManager
  /** The GGUF files in the data folder's models folder. */
  modelLibrary: ModelLibrary
  emit: EmitEvent
  env: NodeJS.ProcessEnv
  /** Applies a settings change beyond the default pipeline (traces on or off, required keys). */
  apply?(settings: Settings): void
  /** The gallery's folder (default: the package's `examples/`). */
  examplesDir?: string
}

export interface Services {
  /** The library as a pipeline source: `loadAll()` at start serves what it holds. */
  source: LibrarySource
  pipelines: PipelinesService
  /** What runs, the GGUF library and Ollama's models, downloads, Ollama's state. */
  models: ModelsService
  /** Hugging Face search, files, fit and download (its downloads listed with the models'). */
  discover: DiscoverService
  functions: FunctionsService
  secrets: SecretsService
  traces: TracesService
  settings: SettingsService
  access: AccessService
  chat: ChatService
  evals: EvalService
}

export function createServices(deps: ServicesDeps): Services {
  const { store, registry, pipelineService: service, engine, emit } = deps
  const source = new LibrarySource(store.pipelines, service)
  const pulls = new ModelPulls(emit)
  const traces = new TracesService(store.traces, () => store.traceWriter.flush())
  const { localModels, modelLibrary: library, env } = deps
  return {
    source,
    pipelines: new PipelinesService({
      registry,
      service,
      library: store.pipelines,
      source,
      examplesDir: deps.examplesDir,
      setDefault: (name) => {
        store.settings.set('defaultPipeline', name)
        registry.setDefault(name ?? undefined)
      }
    }),
    models: new ModelsService({ registry, models: localModels, library, pulls, env }),
    discover: new DiscoverService({ library, pulls, env }),
    functions: new FunctionsService(registry),
    secrets: new SecretsService({
      secrets: store.secrets,
      registry,
      service,
      source,
      emit,
      storage: secretStorage(store.secrets, deps.env)
    }),
    traces,
    settings: new SettingsService({
      settings: store.settings,
      emit,
      apply: (s) => {
        registry.setDefault(s.defaultPipeline ?? undefined)
        deps.apply?.(s)
      }
    }),
    access: new AccessService(deps.tokens),
    chat: new ChatService({ pipelines: registry, engine, emit }),
    evals: new EvalService({
      repo: store.evals,
      engine,
      trace: (id) => traces.find(id),
      served: (name) => registry.get(name),
      version: (name, version) => {
        const v = store.pipelines.getVersion(name, version)
        return service.compileDetached(name, `${name}@v${version}`, v.text, v.format)
      },
      validateJson: createJsonValidator(),
      emitProgress: (p) => emit('eval.progress', p),
      emitDone: ({ report: _r, againstReport: _a, ...run }) => emit('eval.done', run)
    })
  }
}

/** How the store keeps secrets, as `secrets.list` reports it. */
function secretStorage(
  secrets: { kind: string; warning?: string },
  env: NodeJS.ProcessEnv
): { kind: 'safe-storage' | 'key-file' | 'env-key'; warning: string | null } {
  return {
    kind:
      secrets.kind === 'electron-safe-storage'
        ? 'safe-storage'
        : env.LLMNET_SECRET_KEY || env.LLMNET_SECRET_KEY_FILE
          ? 'env-key'
          : 'key-file',
    warning: secrets.warning ?? null
  }
}
