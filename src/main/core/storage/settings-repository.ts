/**
 * @module App settings as key → JSON rows, typed and checked by a zod object schema that the
 * caller passes in: each key is one of the schema's fields, read and written through that
 * field's schema (so defaults come from the schema, and a bad value never reaches the table).
 */
import type { z } from 'zod'
import type { SqliteDatabase } from './database'
import { StorageError } from './errors'

type Key<S extends z.ZodObject> = keyof z.output<S> & string

/** Typed settings over an open database. */
export class SettingsRepository<S extends z.ZodObject> {
  private readonly listeners = new Set<(key: Key<S>, value: unknown) => void>()

  constructor(
    private readonly db: SqliteDatabase,
    private readonly schema: S,
    private readonly now: () => number = Date.now
  ) {}

  /** The stored value of `key`, or the schema's default; SETTING_INVALID if it fails the schema. */
  get<K extends Key<S>>(key: K): z.output<S>[K] {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as
      { value: string } | undefined
    return this.parse(key, row ? this.decode(key, row.value) : undefined) as z.output<S>[K]
  }

  /** Checks `value` against the key's schema, stores it and returns the parsed value. */
  set<K extends Key<S>>(key: K, value: z.input<S>[K]): z.output<S>[K] {
    const parsed = this.parse(key, value, 'given')
    this.db
      .prepare(
        'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at'
      )
      .run(key, JSON.stringify(parsed), this.now())
    for (const listener of this.listeners) {
      try {
        listener(key, parsed)
      } catch {
        // A failing subscriber must not hide a committed change.
      }
    }
    return parsed as z.output<S>[K]
  }

  /** Removes the stored value, so `get` returns the default again. */
  reset(key: Key<S>): void {
    this.field(key)
    this.db.prepare('DELETE FROM settings WHERE key = ?').run(key)
  }

  /** Every setting: stored values over the schema's defaults. Keys the schema lacks are ignored. */
  all(): z.output<S> {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(this.schema.shape) as Key<S>[]) out[key] = this.get(key)
    return out as z.output<S>
  }

  /** Calls `listener` after each `set`; returns the unsubscribe function. */
  onChange(listener: (key: Key<S>, value: unknown) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private field(key: string): z.ZodType {
    const field = (this.schema.shape as Record<string, z.ZodType | undefined>)[key]
    if (!field) throw new StorageError('SETTING_INVALID', `unknown setting "${key}"`)
    return field
  }

  private decode(key: string, text: string): unknown {
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new StorageError(
        'SETTING_INVALID',
        `setting "${key}" holds unreadable JSON in the database`
      )
    }
  }

  private parse(key: string, value: unknown, what: 'stored' | 'given' = 'stored'): unknown {
    const result = this.field(key).safeParse(value)
    if (result.success) return result.data
    const issues = result.error.issues
      .map((i) => `${[key, ...i.path.map(String)].join('.')}: ${i.message}`)
      .join('; ')
    throw new StorageError(
      'SETTING_INVALID',
      `${what} value of setting "${key}" is invalid: ${issues}`
    )
  }
}
