/** @module Per-app tokens for the control routes: create (shown once), list (hints only), revoke. */
import type { OutputOf } from '../../../shared/contract/routes'
import type { AppTokenEntry, AppTokenRepository } from '../storage/app-token-repository'

type AppInfo = OutputOf<'access.list'>['apps'][number]

/** What the UI may see of an app: never the token or its hash. */
function info(e: AppTokenEntry): AppInfo {
  return {
    name: e.name,
    hint: e.hint,
    origin: e.origin,
    createdAt: e.createdAt,
    lastUsedAt: e.lastUsedAt,
    revokedAt: e.revokedAt
  }
}

export class AccessService {
  constructor(private readonly tokens: AppTokenRepository) {}

  list(): OutputOf<'access.list'> {
    return { apps: this.tokens.list().map(info) }
  }

  /** A new app token: the only time it is shown. */
  create(name: string): OutputOf<'access.create'> {
    const { token, app } = this.tokens.create(name)
    return { app: info(app), token }
  }

  revoke(name: string): OutputOf<'access.revoke'> {
    return { name, revoked: this.tokens.revoke(name) }
  }
}
