/**
 * @module Per-app access tokens: each local app that uses the API has a name and a token. Only
 * the token's sha256 is stored, so a token is shown once (when created) and never again; a
 * revoked token stays in the table (marked) so it is refused, not asked about, afterwards.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { SqliteDatabase } from './database'
import { StorageError } from './errors'

/** A registered app, without its token. */
export interface AppTokenEntry {
  id: number
  name: string
  /** The token's first characters, to tell tokens apart in a list. */
  hint: string
  /** `created` in the app's settings, or `approved` when the user allowed an unknown token. */
  origin: 'created' | 'approved'
  createdAt: number
  lastUsedAt: number | null
  revokedAt: number | null
}

/** What {@link AppTokenRepository.verify} found for a token. */
export type TokenVerdict =
  | { state: 'valid'; app: AppTokenEntry }
  | { state: 'revoked'; app: AppTokenEntry }
  | { state: 'unknown' }

/** Tokens llmnet generates: a prefix, then 32 random bytes in base64url. */
export const TOKEN_PREFIX = 'llmnet_'

/** How stale `lastUsedAt` may be. */
const LAST_USED_RESOLUTION_MS = 60_000

/** App names: what a person can read in a list and a dialog. */
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._()@/+-]{0,63}$/u

interface Row {
  id: number
  name: string
  hint: string
  origin: 'created' | 'approved'
  created_at: number
  last_used_at: number | null
  revoked_at: number | null
}

/** The sha256 of a token, hex: what the table keeps. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** The first characters of a token, safe to show: never enough to use it. */
export function tokenHint(token: string): string {
  const head = token.startsWith(TOKEN_PREFIX) ? TOKEN_PREFIX.length + 4 : 4
  return `${token.slice(0, Math.min(head, Math.floor(token.length / 3)))}…`
}

/** App tokens over an open database (schema 2). */
export class AppTokenRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now
  ) {}

  /** Generates a token for a new app; the returned `token` is the only time it is readable. */
  create(name: string): { token: string; app: AppTokenEntry } {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
    return { token, app: this.insert(name, token, 'created') }
  }

  /** Registers a token an app presented and the user allowed; the name is made unique. */
  approve(suggestedName: string, token: string): AppTokenEntry {
    return this.insert(this.freeName(cleanName(suggestedName)), token, 'approved')
  }

  /** Every app, revoked ones included, oldest first. */
  list(): AppTokenEntry[] {
    const rows = this.db.prepare('SELECT * FROM app_tokens ORDER BY id').all() as Row[]
    return rows.map(toEntry)
  }

  /** Revokes the app's active token; false when no active app has that name. */
  revoke(name: string): boolean {
    const result = this.db
      .prepare('UPDATE app_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL')
      .run(this.now(), name)
    return result.changes > 0
  }

  /** Looks a presented token up by its hash and, when valid, records its use. */
  verify(token: string): TokenVerdict {
    const row = this.db
      .prepare('SELECT * FROM app_tokens WHERE token_hash = ?')
      .get(hashToken(token)) as Row | undefined
    if (!row) return { state: 'unknown' }
    if (row.revoked_at !== null) return { state: 'revoked', app: toEntry(row) }
    const at = this.now()
    // At most one write a minute per app: each commit costs an fsync (synchronous=FULL).
    if (row.last_used_at === null || at - row.last_used_at >= LAST_USED_RESOLUTION_MS) {
      this.db.prepare('UPDATE app_tokens SET last_used_at = ? WHERE id = ?').run(at, row.id)
      row.last_used_at = at
    }
    return { state: 'valid', app: toEntry(row) }
  }

  private insert(name: string, token: string, origin: AppTokenEntry['origin']): AppTokenEntry {
    if (!NAME.test(name)) {
      throw new StorageError(
        'INVALID_INPUT',
        `app name ${JSON.stringify(name)} must be 1–64 letters, digits, spaces or ._()@/+- ` +
          'and start with a letter or digit'
      )
    }
    const at = this.now()
    try {
      const result = this.db
        .prepare(
          'INSERT INTO app_tokens (name, token_hash, hint, origin, created_at) ' +
            'VALUES (?, ?, ?, ?, ?)'
        )
        .run(name, hashToken(token), tokenHint(token), origin, at)
      const row = this.db
        .prepare('SELECT * FROM app_tokens WHERE id = ?')
        .get(result.lastInsertRowid) as Row
      return toEntry(row)
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        const taken = this.db
          .prepare('SELECT 1 FROM app_tokens WHERE name = ? AND revoked_at IS NULL')
          .get(name)
        throw new StorageError(
          'NAME_TAKEN',
          taken
            ? `an app named ${JSON.stringify(name)} already has a token; revoke it first or pick another name`
            : 'this token is already registered (revoked or in use)',
          { cause: err }
        )
      }
      throw err
    }
  }

  /** `name`, or `name (2)`, `name (3)`… whichever no active app uses. */
  private freeName(name: string): string {
    const taken = this.db.prepare('SELECT 1 FROM app_tokens WHERE name = ? AND revoked_at IS NULL')
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? name : `${name.slice(0, 58)} (${n})`
      if (!taken.get(candidate)) return candidate
    }
  }
}

/** A header-supplied name made into a valid one: allowed characters only, at most 64. */
export function cleanName(raw: string): string {
  const cleaned = raw
    .replace(/[^\p{L}\p{N} ._()@/+-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[^\p{L}\p{N}]+/u, '')
    .slice(0, 64)
    .trim()
  return cleaned === '' ? 'unnamed app' : cleaned
}

function toEntry(row: Row): AppTokenEntry {
  return {
    id: row.id,
    name: row.name,
    hint: row.hint,
    origin: row.origin,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at
  }
}
