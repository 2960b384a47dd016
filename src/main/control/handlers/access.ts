/** @module Per-app tokens: create (shown once), list (hints only), revoke. */
import type { AppTokenEntry, AppTokenRepository } from '../../core/storage/app-token-repository'
import type { DomainHandlers } from './types'

function info(e: AppTokenEntry) {
  return {
    name: e.name,
    hint: e.hint,
    origin: e.origin,
    createdAt: e.createdAt,
    lastUsedAt: e.lastUsedAt,
    revokedAt: e.revokedAt
  }
}

export function accessHandlers(deps: { tokens: AppTokenRepository }): DomainHandlers<'access'> {
  return {
    async 'access.list'() {
      return { apps: deps.tokens.list().map(info) }
    },
    async 'access.create'(input) {
      const { token, app } = deps.tokens.create(input.name)
      return { app: info(app), token }
    },
    async 'access.revoke'(input) {
      return { name: input.name, revoked: deps.tokens.revoke(input.name) }
    }
  }
}
