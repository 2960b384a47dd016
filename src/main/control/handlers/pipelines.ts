/** @module Pipeline routes: each a call into the pipelines service. */
import type { PipelinesService } from '../../core/services/pipelines-service'
import type { DomainHandlers } from './types'

export function pipelinesHandlers(pipelines: PipelinesService): DomainHandlers<'pipelines'> {
  return {
    'pipelines.list': async () => pipelines.list(),
    'pipelines.get': async (input) => pipelines.get(input.name),
    'pipelines.save': async (input) => pipelines.save(input),
    'pipelines.remove': async (input) => pipelines.remove(input.name),
    'pipelines.set_default': async (input) => pipelines.setDefault(input.name),
    'pipelines.set_enabled': async (input) => pipelines.setEnabled(input.name, input.enabled),
    'pipelines.versions': async (input) => pipelines.versions(input.name),
    'pipelines.get_version': async (input) => pipelines.getVersion(input.name, input.version),
    'pipelines.restore': async (input) => pipelines.restore(input.name, input.version),
    'pipelines.diff': async (input) => pipelines.diff(input.name, input.from, input.to),
    'pipelines.examples': async () => pipelines.examples(),
    'pipelines.validate': async (input) => pipelines.validate(input)
  }
}
