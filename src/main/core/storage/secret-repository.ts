/**
 * @module The app's `store` secrets: values encrypted by an {@link Encryptor}, kept under
 * `<secret name>.<VARIABLE>`. It is the {@link SecretStore} that `store` secret sources read;
 * listing never returns values, and every change is announced so the pipelines that use the
 * secret can be recompiled.
 */
import type { SecretStore } from '../secrets/types'
import type { SqliteDatabase } from './database'
import type { Encryptor } from './encryption'
import { StorageError } from './errors'

/** A stored secret, without its value. */
export interface SecretEntry {
  /** `<name>.<VARIABLE>`. */
  key: string
  /** The secret's name: what a composition's `secrets` map uses. */
  name: string
  variable: string
  /** The encryptor that wrote it. */
  kind: string
  updatedAt: number
}

/** A committed change; `name` is the secret whose pipelines need recompiling. */
export interface SecretChange {
  kind: 'set' | 'deleted'
  key: string
  name: string
}

const KEY = /^([A-Za-z0-9_-][A-Za-z0-9_-]{0,99})\.([A-Za-z_][A-Za-z0-9_]{0,99})$/

/** Encrypted secrets over an open database. */
export class SecretRepository implements SecretStore {
  private readonly listeners = new Set<(change: SecretChange) => void>()

  constructor(
    private readonly db: SqliteDatabase,
    private readonly encryptor: Encryptor,
    private readonly now: () => number = Date.now
  ) {}

  /** The encryptor's kind (`aes-256-gcm`, `electron-safe-storage`). */
  get kind(): string {
    return this.encryptor.kind
  }

  /** Why the encryption is weaker than it looks, if it is (show it to the user). */
  get warning(): string | undefined {
    return this.encryptor.warning
  }

  /** Encrypts and stores `value` under `key` (`<name>.<VARIABLE>`). */
  set(key: string, value: string): void {
    const { name } = splitKey(key)
    const at = this.now()
    this.db
      .prepare(
        'INSERT INTO secrets (key, kind, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, value = excluded.value, ' +
          'updated_at = excluded.updated_at'
      )
      .run(key, this.encryptor.kind, this.encryptor.encrypt(value), at, at)
    this.emit({ kind: 'set', key, name })
  }

  /** Deletes `key`; false if it was not there. */
  delete(key: string): boolean {
    const { name } = splitKey(key)
    const res = this.db.prepare('DELETE FROM secrets WHERE key = ?').run(key)
    if (res.changes === 0) return false
    this.emit({ kind: 'deleted', key, name })
    return true
  }

  /** Every stored key with its time, never a value. */
  list(): SecretEntry[] {
    const rows = this.db
      .prepare('SELECT key, kind, updated_at FROM secrets ORDER BY key')
      .all() as { key: string; kind: string; updated_at: number }[]
    return rows.map((r) => ({
      ...splitKey(r.key),
      key: r.key,
      kind: r.kind,
      updatedAt: r.updated_at
    }))
  }

  /**
   * The decrypted value of `key`, for the runtime only (never send it to a client).
   * Throws `SECRET_DECRYPT_FAILED` naming the key when it cannot be decrypted.
   */
  resolve(key: string): string | undefined {
    const row = this.db.prepare('SELECT kind, value FROM secrets WHERE key = ?').get(key) as
      { kind: string; value: Buffer } | undefined
    if (!row) return undefined
    if (row.kind !== this.encryptor.kind) {
      throw new StorageError(
        'SECRET_DECRYPT_FAILED',
        `secret ${key} was encrypted by ${row.kind}, but this process decrypts ${this.encryptor.kind}; ` +
          'set it again here'
      )
    }
    try {
      return this.encryptor.decrypt(row.value)
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      throw new StorageError('SECRET_DECRYPT_FAILED', `cannot decrypt secret ${key}: ${why}`, {
        cause: err
      })
    }
  }

  /** {@link SecretStore.get}: same as {@link resolve}. */
  get(key: string): string | undefined {
    return this.resolve(key)
  }

  /** {@link SecretStore.keys}: every stored `<name>.<VARIABLE>` of `name`. */
  keys(name: string): string[] {
    const rows = this.db
      .prepare('SELECT key FROM secrets WHERE substr(key, 1, ?) = ? ORDER BY key')
      .all(name.length + 1, `${name}.`) as { key: string }[]
    return rows.map((r) => r.key)
  }

  /** Calls `listener` after each committed change; returns the unsubscribe function. */
  onChange(listener: (change: SecretChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(change: SecretChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change)
      } catch {
        // A failing subscriber must not hide a committed change.
      }
    }
  }
}

function splitKey(key: string): { name: string; variable: string } {
  const m = KEY.exec(key)
  if (!m) {
    throw new StorageError(
      'INVALID_INPUT',
      `secret key "${key}" must be <name>.<VARIABLE> (letters, digits, "_" and "-" in the name; ` +
        'letters, digits and "_" in the variable)'
    )
  }
  return { name: m[1]!, variable: m[2]! }
}
