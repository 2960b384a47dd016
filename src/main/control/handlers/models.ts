/**
 * @module Model routes: what runs (llama.cpp workers, Ollama), the GGUF library and Ollama's
 * models, load and unload, downloads with progress events and cancel, delete, Ollama's state.
 */
import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import type { LocalModelSchema, PullProgressSchema } from '../../../shared/contract/models'
import { describeModel } from '../../../shared/config/models'
import type { ModelRuntimeStatus } from '../../../shared/models/status'
import type { CompiledPipeline } from '../../core/engine/pipeline'
import { blankStatus } from '../../core/local/model-status'
import { AppError } from '../../core/errors'
import { catalogFor } from '../../core/models/catalog'
import { ModelLibraryError } from '../../core/models/library'
import { OllamaError } from '../../core/models/ollama/error'
import type { ErrorCode } from '../../../shared/openai/error'
import type { EventHub } from '../events'
import { discoverHandlers } from './models-discover'
import type { ModelsDeps } from './models-deps'
import type { DomainHandlers } from './types'

type PullProgress = z.infer<typeof PullProgressSchema>
type LocalModel = z.infer<typeof LocalModelSchema>

export type { ModelsDeps }

/** Downloads under way or finished in this session, with their cancel switches. */
class Pulls {
  private readonly all = new Map<string, { progress: PullProgress; abort: AbortController }>()
  constructor(private readonly hub: EventHub) {}

  list(): PullProgress[] {
    return [...this.all.values()].map((p) => p.progress)
  }

  start(
    source: string,
    run: (signal: AbortSignal, report: (done: number, total?: number) => void) => Promise<void>
  ): string {
    const pullId = randomUUID()
    const abort = new AbortController()
    const entry = {
      abort,
      progress: {
        pullId,
        source,
        state: 'running',
        completedBytes: 0,
        totalBytes: null,
        error: null
      } as PullProgress
    }
    this.all.set(pullId, entry)
    const update = (patch: Partial<PullProgress>): void => {
      entry.progress = { ...entry.progress, ...patch }
      this.hub.emit('model.pull_progress', entry.progress)
    }
    update({})
    run(abort.signal, (done, total) =>
      update({ completedBytes: done, totalBytes: total ?? null })
    ).then(
      () => update({ state: 'done' }),
      (err: unknown) =>
        update(
          abort.signal.aborted
            ? { state: 'cancelled' }
            : { state: 'failed', error: (err as Error).message }
        )
    )
    return pullId
  }

  cancel(pullId: string): boolean {
    const entry = this.all.get(pullId)
    if (!entry || entry.progress.state !== 'running') return false
    entry.abort.abort()
    return true
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

export function modelsHandlers(deps: ModelsDeps): DomainHandlers<'models'> {
  const pulls = new Pulls(deps.hub)
  const pipelineFor = (name: string | undefined, key: string): CompiledPipeline => {
    const p = name
      ? deps.registry.get(name)
      : deps.registry.list().find((c) => key in c.composition.models)
    if (!p) {
      throw new AppError(
        'not_found',
        name ? `pipeline "${name}" is not being served` : `no served pipeline has a model "${key}"`
      )
    }
    return p
  }
  /** The row of a pipeline's model (every configured local model has one from the start). */
  const statusOf = (p: CompiledPipeline, key: string): ModelRuntimeStatus => {
    const rows = deps.models.status()
    const found =
      rows.find((s) => s.key === key && s.pipeline === p.id) ?? rows.find((s) => s.key === key)
    const runner = describeModel(p.composition.models[key] ?? { type: 'external' }).runner
    return (
      found ??
      blankStatus({
        key,
        pipeline: p.id,
        runner: runner === 'ollama' ? 'ollama' : 'llama-cpp',
        source: key
      })
    )
  }
  /** The Ollama we started, if any; otherwise the one OLLAMA_HOST names. */
  const managedOllama = () => {
    try {
      const m = deps.models.ollamaManager()
      return m.managed ? m : undefined
    } catch {
      return undefined // Ollama support not configured
    }
  }
  const ollamaStatus = () => deps.models.ollamaStatus()

  return {
    async 'models.list'() {
      const gguf = await deps.library.list()
      const local: LocalModel[] = gguf.map((m) => ({
        name: m.name,
        runner: 'llama-cpp',
        path: m.path,
        sizeBytes: m.sizeBytes
      }))
      if ((await ollamaStatus()).running) {
        try {
          const ollama = deps.models.ollamaManager()
          await ollama.connect()
          for (const m of await ollama.list())
            local.push({ name: m.name, runner: 'ollama', path: null, sizeBytes: m.size ?? null })
        } catch {
          // Ollama went away between the probe and the list: show the GGUF library alone.
        }
      }
      return { runtime: deps.models.status(), local, pulls: pulls.list() }
    },
    async 'models.load'(input) {
      const p = pipelineFor(input.pipeline, input.key)
      await deps.models.load(p, input.key)
      return statusOf(p, input.key)
    },
    async 'models.unload'(input) {
      const p = pipelineFor(input.pipeline, input.key)
      await deps.models.unload(p, input.key)
      return statusOf(p, input.key)
    },
    async 'models.pull'(input) {
      if (input.runner === 'llama-cpp') {
        const resolved = await onField('source', () => deps.library.resolveSource(input.source))
        if (resolved.kind === 'path')
          throw new AppError(
            'invalid_request',
            `source: ${input.source} is a local path, not something to download`,
            { param: 'source' }
          )
        return {
          pullId: pulls.start(input.source, async (signal, report) => {
            await deps.library.ensure(input.source, {
              signal,
              // An `LLMNET_CATALOG` entry's checksum (built-ins are checked by the library).
              sha256: catalogFor(deps.env).find((m) => m.source === input.source)?.sha256,
              onProgress: (p) => report(p.received, p.total)
            })
          })
        }
      }
      const ollama = deps.models.ollamaManager()
      await onField('source', () => ollama.connect())
      return {
        pullId: pulls.start(input.source, (signal, report) =>
          ollama.pull(input.source, {
            signal,
            onProgress: (p) => report(p.completed ?? 0, p.total)
          })
        )
      }
    },
    async 'models.cancel_pull'(input) {
      return { cancelled: pulls.cancel(input.pullId) }
    },
    async 'models.delete'(input) {
      if (input.runner === 'llama-cpp') {
        await onField('name', () => deps.library.remove(input.name))
        return { deleted: true }
      }
      const ollama = deps.models.ollamaManager()
      await onField('name', async () => {
        await ollama.connect()
        await ollama.delete(input.name)
      })
      return { deleted: true }
    },
    async 'models.ollama_status'() {
      return ollamaStatus()
    },
    async 'models.ollama_start'() {
      const status = await ollamaStatus()
      if (status.running) return status
      await deps.models.ollamaManager().startManaged()
      return ollamaStatus()
    },
    async 'models.ollama_stop'() {
      const managed = managedOllama()
      if (!managed) {
        const status = await ollamaStatus()
        if (status.running)
          throw new AppError(
            'conflict',
            `the Ollama at ${status.host} was not started by llmnet; stop it where it was started`
          )
        return status
      }
      await managed.stop()
      return ollamaStatus()
    },
    async 'models.catalog'() {
      return { models: catalogFor(deps.env).map(({ sha256: _sha, ...m }) => m) }
    },
    ...discoverHandlers(deps, (source, run) => pulls.start(source, run))
  }
}
