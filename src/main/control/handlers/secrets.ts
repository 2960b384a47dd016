/**
 * @module Store secrets: values go in and never come out. A change recompiles the served
 * pipelines that read the secret, and retries library pipelines that failed for want of it.
 * `secrets.sources` reports every composition's secret sources by variable name and state.
 */
import type { Composition, SecretSource } from '../../../shared/config/schema'
import type { OutputOf } from '../../../shared/contract/routes'
import { AppError } from '../../core/errors'
import type { CompiledPipeline, PipelineSecrets } from '../../core/engine/pipeline'
import { displayUrl } from '../../core/secrets/loader'
import type { LibrarySource } from '../../core/pipelines/library-source'
import type { PipelineRegistry } from '../../core/pipelines/registry'
import type { PipelineService } from '../../core/pipelines/service'
import type { SecretRepository } from '../../core/storage/secret-repository'
import type { EventHub } from '../events'
import type { DomainHandlers } from './types'

export interface SecretsDeps {
  secrets: SecretRepository
  registry: PipelineRegistry
  service: PipelineService
  source: LibrarySource
  hub: EventHub
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

export function secretsHandlers(deps: SecretsDeps): DomainHandlers<'secrets'> {
  const usedBy = (key: string): string[] => {
    const name = key.slice(0, key.indexOf('.'))
    return deps.registry
      .list()
      .filter((p) => usesStoreSecret(p, name))
      .map((p) => p.id)
  }
  const changed = async (key: string, state: 'set' | 'deleted'): Promise<void> => {
    const name = key.slice(0, key.indexOf('.'))
    // Library pipelines reload through their source, so their status says when a load now fails.
    for (const p of deps.registry.list().filter((q) => usesStoreSecret(q, name))) {
      if (deps.service.origin(p.id)?.kind === 'library') await deps.source.sync(p.id)
      else await deps.service.recompile((q) => q.id === p.id)
    }
    await deps.source.retryFailed()
    deps.hub.emit('secret.changed', { name: key, state })
  }
  /** Served pipelines, except a library pipeline whose last load failed: that load's report. */
  const sources = (): SourceInfo[] => {
    const failed = new Map<string, SourceInfo[]>()
    for (const name of deps.source.failedNames()) {
      const loaded = deps.source.statusOf(name).loaded
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
    const served = deps.registry
      .list()
      .filter((p) => !failed.has(p.id))
      .map((p) => describeSources(p.id, p.composition, p.secrets))
    return [...served, ...failed.values()]
      .flat()
      .sort((a, b) => (a.pipeline < b.pipeline ? -1 : a.pipeline > b.pipeline ? 1 : 0))
  }
  return {
    async 'secrets.sources'(input) {
      const all = sources()
      if (input.pipeline === undefined) return { sources: all }
      const known =
        deps.registry.get(input.pipeline) !== undefined ||
        deps.source.statusOf(input.pipeline).state !== 'absent'
      if (!known) throw new AppError('not_found', `no pipeline named "${input.pipeline}"`)
      return { sources: all.filter((s) => s.pipeline === input.pipeline) }
    },
    async 'secrets.list'() {
      return {
        secrets: deps.secrets
          .list()
          .map((e) => ({ name: e.key, updatedAt: e.updatedAt, usedBy: usedBy(e.key) })),
        storage: deps.storage
      }
    },
    async 'secrets.set'(input) {
      deps.secrets.set(input.name, input.value)
      await changed(input.name, 'set')
      const entry = deps.secrets.list().find((e) => e.key === input.name)
      return {
        name: input.name,
        updatedAt: entry?.updatedAt ?? Date.now(),
        usedBy: usedBy(input.name)
      }
    },
    async 'secrets.delete'(input) {
      const deleted = deps.secrets.delete(input.name)
      if (deleted) await changed(input.name, 'deleted')
      return { name: input.name, deleted }
    }
  }
}
