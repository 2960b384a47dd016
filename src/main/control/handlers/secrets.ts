/**
 * @module Store secrets: values go in and never come out. A change recompiles the served
 * pipelines that read the secret, and retries library pipelines that failed for want of it.
 */
import type { CompiledPipeline } from '../../core/engine/pipeline'
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
    await deps.service.recompile((p) => usesStoreSecret(p, name))
    await deps.source.retryFailed()
    deps.hub.emit('secret.changed', { name: key, state })
  }
  return {
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
