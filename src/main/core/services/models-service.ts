/**
 * @module The models the control routes show and run: what runs (llama.cpp workers, Ollama), the
 * GGUF library and Ollama's models, load and unload, downloads with progress events and cancel,
 * delete, the catalog, and starting or stopping the Ollama llmnet manages. Library and Ollama
 * failures become the contract's errors naming the field at fault (`onField`).
 */
import type { InputOf, OutputOf } from '../../../shared/contract/routes'
import { describeModel } from '../../../shared/config/models'
import type { ErrorCode } from '../../../shared/openai/error'
import type { ModelRuntimeStatus } from '../../../shared/models/status'
import type { CompiledPipeline } from '../engine/pipeline'
import { AppError } from '../errors'
import type { LocalModelManager } from '../local/manager'
import { blankStatus } from '../local/model-status'
import { catalogFor } from '../models/catalog'
import { type ModelLibrary, ModelLibraryError } from '../models/library'
import { OllamaError } from '../models/ollama/error'
import type { OllamaManager } from '../models/ollama/manager'
import type { PipelineRegistry } from '../pipelines/registry'
import type { ModelPulls } from './model-pulls'

type LocalModel = OutputOf<'models.list'>['local'][number]
type OllamaStatus = OutputOf<'models.ollama_status'>

export interface ModelsServiceDeps {
  registry: PipelineRegistry
  models: LocalModelManager
  library: ModelLibrary
  /** The downloads of this session (shared with the Discover service's hub downloads). */
  pulls: ModelPulls
  env: NodeJS.ProcessEnv
}

export class ModelsService {
  constructor(private readonly deps: ModelsServiceDeps) {}

  /** What runs, the GGUF library and (when Ollama answers) Ollama's models, and the downloads. */
  async list(): Promise<OutputOf<'models.list'>> {
    const { library, models, pulls } = this.deps
    const local: LocalModel[] = (await library.list()).map((m) => ({
      name: m.name,
      runner: 'llama-cpp',
      path: m.path,
      sizeBytes: m.sizeBytes
    }))
    if ((await this.ollamaStatus()).running) {
      try {
        const ollama = models.ollamaManager()
        await ollama.connect()
        for (const m of await ollama.list())
          local.push({ name: m.name, runner: 'ollama', path: null, sizeBytes: m.size ?? null })
      } catch {
        // Ollama went away between the probe and the list: show the GGUF library alone.
      }
    }
    return { runtime: models.status(), local, pulls: pulls.list() }
  }

  async load(input: InputOf<'models.load'>): Promise<ModelRuntimeStatus> {
    const p = this.pipelineFor(input.pipeline, input.key)
    await this.deps.models.load(p, input.key)
    return this.statusOf(p, input.key)
  }

  async unload(input: InputOf<'models.unload'>): Promise<ModelRuntimeStatus> {
    const p = this.pipelineFor(input.pipeline, input.key)
    await this.deps.models.unload(p, input.key)
    return this.statusOf(p, input.key)
  }

  /** Starts a download into the GGUF library or Ollama; its progress follows as events. */
  async pull(input: InputOf<'models.pull'>): Promise<OutputOf<'models.pull'>> {
    const { library, pulls, env } = this.deps
    if (input.runner === 'llama-cpp') {
      const resolved = await onField('source', () => library.resolveSource(input.source))
      if (resolved.kind === 'path')
        throw new AppError(
          'invalid_request',
          `source: ${input.source} is a local path, not something to download`,
          { param: 'source' }
        )
      const pullId = pulls.start(input.source, async (signal, report) => {
        await library.ensure(input.source, {
          signal,
          // An `LLMNET_CATALOG` entry's checksum (built-ins are checked by the library).
          sha256: catalogFor(env).find((m) => m.source === input.source)?.sha256,
          onProgress: (p) => report(p.received, p.total)
        })
      })
      return { pullId }
    }
    const ollama = this.deps.models.ollamaManager()
    await onField('source', () => ollama.connect())
    const pullId = pulls.start(input.source, (signal, report) =>
      ollama.pull(input.source, { signal, onProgress: (p) => report(p.completed ?? 0, p.total) })
    )
    return { pullId }
  }

  cancelPull(pullId: string): OutputOf<'models.cancel_pull'> {
    return { cancelled: this.deps.pulls.cancel(pullId) }
  }

  async delete(input: InputOf<'models.delete'>): Promise<OutputOf<'models.delete'>> {
    if (input.runner === 'llama-cpp') {
      await onField('name', () => this.deps.library.remove(input.name))
      return { deleted: true }
    }
    const ollama = this.deps.models.ollamaManager()
    await onField('name', async () => {
      await ollama.connect()
      await ollama.delete(input.name)
    })
    return { deleted: true }
  }

  ollamaStatus(): Promise<OllamaStatus> {
    return this.deps.models.ollamaStatus()
  }

  /** Starts a private Ollama unless one already answers. */
  async ollamaStart(): Promise<OllamaStatus> {
    const status = await this.ollamaStatus()
    if (status.running) return status
    await this.deps.models.ollamaManager().startManaged()
    return this.ollamaStatus()
  }

  /** Stops the Ollama llmnet started; one started elsewhere is refused while it runs. */
  async ollamaStop(): Promise<OllamaStatus> {
    const managed = this.managedOllama()
    if (!managed) {
      const status = await this.ollamaStatus()
      if (status.running)
        throw new AppError(
          'conflict',
          `the Ollama at ${status.host} was not started by llmnet; stop it where it was started`
        )
      return status
    }
    await managed.stop()
    return this.ollamaStatus()
  }

  /** The recommended models (the built-ins, or `LLMNET_CATALOG`), without their checksums. */
  catalog(): OutputOf<'models.catalog'> {
    return { models: catalogFor(this.deps.env).map(({ sha256: _sha, ...m }) => m) }
  }

  /** The served pipeline named, else the first one with a model `key`. */
  private pipelineFor(name: string | undefined, key: string): CompiledPipeline {
    const { registry } = this.deps
    const p = name ? registry.get(name) : registry.list().find((c) => key in c.composition.models)
    if (!p) {
      throw new AppError(
        'not_found',
        name ? `pipeline "${name}" is not being served` : `no served pipeline has a model "${key}"`
      )
    }
    return p
  }

  /** The row of a pipeline's model (every configured local model has one from the start). */
  private statusOf(p: CompiledPipeline, key: string): ModelRuntimeStatus {
    const rows = this.deps.models.status()
    const found =
      rows.find((s) => s.key === key && s.pipeline === p.id) ?? rows.find((s) => s.key === key)
    if (found) return found
    const runner = describeModel(p.composition.models[key] ?? { type: 'external' }).runner
    return blankStatus({
      key,
      pipeline: p.id,
      runner: runner === 'ollama' ? 'ollama' : 'llama-cpp',
      source: key
    })
  }

  /** The Ollama we started, if any; otherwise undefined (OLLAMA_HOST's is not ours to stop). */
  private managedOllama(): OllamaManager | undefined {
    try {
      const m = this.deps.models.ollamaManager()
      return m.managed ? m : undefined
    } catch {
      return undefined // Ollama support not configured
    }
  }
}

/**
 * Runs a library or Ollama call on a field of the input: an unusable name or source is the
 * caller's mistake (400 naming the field), a missing model a 404, an Ollama that does not answer
 * a 503, Ollama's own failure a 502; never an internal error.
 */
async function onField<T>(field: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    const code = fieldErrorCode(err)
    if (!code) throw err
    const message =
      code === 'invalid_request' ? `${field}: ${(err as Error).message}` : (err as Error).message
    throw new AppError(code, message, { param: field, cause: err })
  }
}

function fieldErrorCode(err: unknown): ErrorCode | undefined {
  if (err instanceof ModelLibraryError)
    return err.code === 'not_found' ? 'not_found' : 'invalid_request'
  if (!(err instanceof OllamaError)) return undefined
  if (err.code === 'invalid_modelfile') return 'invalid_request'
  if (err.code !== 'request_failed') return 'model_not_ready'
  // The ollama client's ResponseError carries Ollama's HTTP status.
  const status = (err.cause as { status_code?: unknown } | undefined)?.status_code
  return status === 404 ? 'not_found' : status === 400 ? 'invalid_request' : 'upstream_error'
}
