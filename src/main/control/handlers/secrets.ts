/** @module Store secret routes: each a call into the secrets service. */
import type { SecretsService } from '../../core/services/secrets-service'
import type { DomainHandlers } from './types'

export function secretsHandlers(secrets: SecretsService): DomainHandlers<'secrets'> {
  return {
    'secrets.sources': async (input) => secrets.sources(input.pipeline),
    'secrets.list': async () => secrets.list(),
    'secrets.set': async (input) => secrets.set(input.name, input.value),
    'secrets.delete': async (input) => secrets.delete(input.name)
  }
}
