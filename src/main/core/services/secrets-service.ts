/**
 * @module Store secrets: values go in and never come out. A change recompiles the served
 * pipelines that read the secret, and retries library pipelines that failed for want of it.
 * `sources` reports every composition's secret sources by variable name and state.
 */
import type { Composition, SecretSource } from '../../../shared/config/schema'
import type { OutputOf } from '../../../shared/contract/routes'
import type { CompiledPipeline, PipelineSecrets } from '../engine/pipeline'
import { AppError } from '../errors'
import type { LibrarySource } from '../pipelines/library-source'
import type { PipelineRegistry } from '../pipelines/registry'
import type { PipelineService } from '../pipelines/service'
import { displayUrl } from '../secrets/loader'
import type { SecretRepository } from '../storage/secret-repository'
import type { EmitEvent } from './emit'

export interface SecretsServiceDeps {
  secrets: SecretRepository
  registry: PipelineRegistry
  service: PipelineService
  source: LibrarySource
  emit: EmitEvent
  storage: { kind: 'safe-storage' | 'key-file' | 'env-key'; warning: string | null }
}

/** Whether a pipeline reads the store secret `name` (its `secrets.<name>` is a store source). */
export function usesStoreSecret(p: CompiledPipeline, name: string): boolean {
  return p.composition.secrets?.[name]?.source === 'store'
}

type SourceInfo = OutputOf<'secrets.sources'>['sources'][number]

/** Where a source reads from: a path, a URL without credentials, a variable name; never a value. */
function detailOf(source: SecretSource): string {
  switch (source.source) {
    case 'env-file':
      return source.path
    case 'env':
      return source.variable
    case 'vault':
      return displayUrl(
        `${source.address.replace(/\/+$/, '')}/v1/${source.path.replace(/^\/+/, '')}`
      )
    case 'store':
      return "the app's secret store"
  }
}

/**
 * One pipeline's sources. A source that lists no variables shows what it resolved to (the
 * loaded keys under its name); `problems` are the load's messages by secret name.
 */
export function describeSources(
  pipeline: string,
  composition: Composition,
  secrets: PipelineSecrets | undefined,
  problems: ReadonlyMap<string, string> = new Map()
): SourceInfo[] {
  const keys = secrets?.keys?.() ?? []
  return Object.entries(composition.secrets ?? {}).map(([name, source]) => {
    const listed = source.source === 'env' ? [source.variable] : source.variables
    const names =
      listed.length > 0
        ? listed
        : keys.filter((k) => k.startsWith(`${name}.`)).map((k) => k.slice(name.length + 1))
    return {
      pipeline,
      name,
      source: source.source,
      detail: detailOf(source),
      variables: names.map((v) => ({
        name: v,
        state: secrets?.get(name, v) !== undefined ? ('resolved' as const) : ('missing' as const)
      })),
      problem: problems.get(name) ?? null
    }
  })
}

export class SecretsService {
  constructor(private readonly deps: SecretsServiceDeps) {}

  /** Every composition's secret sources, or one pipeline's (not_found for an unknown one). */
  sources(pipeline?: string): OutputOf<'secrets.sources'> {
    const all = this.allSources()
    if (pipeline === undefined) return { sources: all }
    const known =
      this.deps.registry.get(pipeline) !== undefined ||
      this.deps.source.statusOf(pipeline).state !== 'absent'
    if (!known) throw new AppError('not_found', `no pipeline named "${pipeline}"`)
    return { sources: all.filter((s) => s.pipeline === pipeline) }
  }

  /** Names, when each was set and who uses it; never a value. */
  list(): OutputOf<'secrets.list'> {
    return {
      secrets: this.deps.secrets
        .list()
        .map((e) => ({ name: e.key, updatedAt: e.updatedAt, usedBy: this.usedBy(e.key) })),
      storage: this.deps.storage
    }
  }

  async set(name: string, value: string): Promise<OutputOf<'secrets.set'>> {
    this.deps.secrets.set(name, value)
    await this.changed(name, 'set')
    const entry = this.deps.secrets.list().find((e) => e.key === name)
    return { name, updatedAt: entry?.updatedAt ?? Date.now(), usedBy: this.usedBy(name) }
  }

  async delete(name: string): Promise<OutputOf<'secrets.delete'>> {
    const deleted = this.deps.secrets.delete(name)
    if (deleted) await this.changed(name, 'deleted')
    return { name, deleted }
  }

  private usedBy(key: string): string[] {
    const name = key.slice(0, key.indexOf('.'))
    return this.deps.registry
      .list()
      .filter((p) => usesStoreSecret(p, name))
      .map((p) => p.id)
  }

  private async changed(key: string, state: 'set' | 'deleted'): Promise<void> {
    const { registry, service, source } = this.deps
    const name = key.slice(0, key.indexOf('.'))
    // Library pipelines reload through their source, so their status says when a load now fails.
    for (const p of registry.list().filter((q) => usesStoreSecret(q, name))) {
      if (service.origin(p.id)?.kind === 'library') await source.sync(p.id)
      else await service.recompile((q) => q.id === p.id)
    }
    await source.retryFailed()
    this.deps.emit('secret.changed', { name: key, state })
  }

  /** Served pipelines, except a library pipeline whose last load failed: that load's report. */
  private allSources(): SourceInfo[] {
    const failed = new Map<string, SourceInfo[]>()
    for (const name of this.deps.source.failedNames()) {
      const loaded = this.deps.source.statusOf(name).loaded
      // Only a load that got as far as the secrets can say which ones resolved.
      if (!loaded?.composition || !loaded.secrets) continue
      const problems = new Map<string, string>()
      for (const d of loaded.diagnostics) {
        const [root, secret] = d.path
        if (d.code !== 'unresolved-secret' || root !== 'secrets' || typeof secret !== 'string')
          continue
        const held = problems.get(secret)
        problems.set(secret, held ? `${held}; ${d.message}` : d.message)
      }
      failed.set(name, describeSources(name, loaded.composition, loaded.secrets, problems))
    }
    const served = this.deps.registry
      .list()
      .filter((p) => !failed.has(p.id))
      .map((p) => describeSources(p.id, p.composition, p.secrets))
    return [...served, ...failed.values()]
      .flat()
      .sort((a, b) => (a.pipeline < b.pipeline ? -1 : a.pipeline > b.pipeline ? 1 : 0))
  }
}
