/** @module Per-app token routes: each a call into the access service. */
import type { AccessService } from '../../core/services/access-service'
import type { DomainHandlers } from './types'

export function accessHandlers(access: AccessService): DomainHandlers<'access'> {
  return {
    'access.list': async () => access.list(),
    'access.create': async (input) => access.create(input.name),
    'access.revoke': async (input) => access.revoke(input.name)
  }
}
