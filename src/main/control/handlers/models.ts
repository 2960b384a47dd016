/** @module Model routes: each a call into the models service or the Discover service. */
import type { DiscoverService } from '../../core/services/discover-service'
import type { ModelsService } from '../../core/services/models-service'
import type { DomainHandlers } from './types'

export function modelsHandlers(
  models: ModelsService,
  discover: DiscoverService
): DomainHandlers<'models'> {
  return {
    'models.list': async () => models.list(),
    'models.load': async (input) => models.load(input),
    'models.unload': async (input) => models.unload(input),
    'models.pull': async (input) => models.pull(input),
    'models.cancel_pull': async (input) => models.cancelPull(input.pullId),
    'models.delete': async (input) => models.delete(input),
    'models.ollama_status': async () => models.ollamaStatus(),
    'models.ollama_start': async () => models.ollamaStart(),
    'models.ollama_stop': async () => models.ollamaStop(),
    'models.catalog': async () => models.catalog(),
    'models.search': async (input) => discover.search(input),
    'models.files': async (input) => discover.files(input.repo),
    'models.machine': async () => discover.machine(),
    'models.fit': async (input) => discover.fit(input),
    'models.download': async (input) => discover.download(input)
  }
}
