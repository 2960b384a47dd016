/**
 * @module Opens llmnet's SQLite database (or `:memory:` for tests): WAL, foreign keys, a busy timeout, synchronous=FULL,
 * then the numbered migrations. A file from a newer llmnet is refused untouched; a corrupt file is
 * copied aside and refused (or, when asked, replaced by an empty one), never silently reset.
 */
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, rmSync } from 'node:fs'
import Database from 'better-sqlite3'
import { StorageError } from './errors'
import { type Migration, MIGRATIONS } from './migrations/list'

export type SqliteDatabase = Database.Database

/** What to do with a database file that is not a readable SQLite database. */
export type CorruptPolicy = 'refuse' | 'backup-and-reset'

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** The schema steps (default: the production list); tests pass edited ones. */
  migrations?: readonly Migration[]
  /**
   * `refuse` (default): copy the file to `<file>.corrupt-<timestamp>` and throw `DB_CORRUPT`.
   * `backup-and-reset`: make the same copy, then start an empty database (the copy is kept and
   * reported in {@link OpenedDatabase.corruptBackup}).
   */
  onCorrupt?: CorruptPolicy
  /**
   * FULL (default) also survives power loss: with WAL it costs one fsync per commit, and our
   * commits are few (human-paced saves, batched traces). NORMAL survives a killed process too,
   * but may lose the last commits when the machine loses power.
   */
  synchronous?: 'FULL' | 'NORMAL'
  /** How long a write waits for another connection's lock (default 5000 ms). */
  busyTimeoutMs?: number
  /** `quick` (default) runs `PRAGMA quick_check` on an existing file before using it. */
  integrityCheck?: 'quick' | 'none'
  /** The clock used for backup names and migration times. */
  now?: () => number
  /** better-sqlite3's `.node` file built for another ABI (the Electron app's copy). */
  nativeBinding?: string
}

/** An open database with its migrations applied. */
export interface OpenedDatabase {
  db: SqliteDatabase
  file: string
  /** The schema version after migrating (`PRAGMA user_version`). */
  schemaVersion: number
  /** Ids of the migrations applied by this open (empty when the schema was current). */
  applied: number[]
  /** Set when a corrupt file was copied here and replaced by an empty database. */
  corruptBackup?: string
  close(): void
}

/** The sha256 of a migration's text, as recorded when it was applied. */
export function migrationHash(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex')
}

/** SQLite's name for a private database that lives in memory and ends with its connection. */
export const MEMORY = ':memory:'

/**
 * Opens (creating if needed) and migrates the database at `file`; {@link MEMORY} opens an empty
 * in-memory one (the services' tests), migrated the same way.
 */
export function openDatabase(file: string, opts: OpenDatabaseOptions = {}): OpenedDatabase {
  const migrations = opts.migrations ?? MIGRATIONS
  const now = opts.now ?? Date.now
  const known = migrations.at(-1)?.id ?? 0
  let corruptBackup: string | undefined
  const memory = file === MEMORY
  if (!memory && existsSync(file)) {
    const problem = preflight(file, known, opts.integrityCheck ?? 'quick', opts.nativeBinding)
    if (problem !== undefined) {
      if ((opts.onCorrupt ?? 'refuse') === 'refuse') throw corruptError(file, problem, now())
      corruptBackup = backupFiles(file, now())
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true })
    }
  }
  const db = new Database(file, { nativeBinding: opts.nativeBinding })
  try {
    // An in-memory database (tests) has no file to journal beside: SQLite keeps `memory` there.
    const mode = db.pragma('journal_mode = WAL', { simple: true })
    if (mode !== (memory ? 'memory' : 'wal'))
      throw new Error(`${file}: SQLite refused WAL mode (got ${String(mode)})`)
    db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`)
    db.pragma('foreign_keys = ON')
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`)
    const applied = migrate(db, file, migrations, now)
    const schemaVersion = Number(db.pragma('user_version', { simple: true }))
    return { db, file, schemaVersion, applied, corruptBackup, close: () => db.close() }
  } catch (err) {
    db.close()
    // Damage the integrity check did not reach (or that it was told to skip) surfaces here.
    if (isCorruption(err)) throw corruptError(file, (err as Error).message, now())
    throw err
  }
}

/** Copies the damaged file aside and describes it; the file itself is left as it is. */
function corruptError(file: string, problem: string, at: number): StorageError {
  const backup = backupFiles(file, at)
  return new StorageError(
    'DB_CORRUPT',
    `${file} is not a readable llmnet database (${problem}). It was left as it is and ` +
      `a copy was kept at ${backup}. Restore a backup or move the file aside to start ` +
      'with an empty database.',
    { file, backup }
  )
}

/**
 * Reads an existing file without writing to it. Returns why it is corrupt, or undefined when it
 * is usable; throws `DB_NEWER_SCHEMA` for a newer schema.
 */
function preflight(
  file: string,
  known: number,
  check: 'quick' | 'none',
  nativeBinding: string | undefined
): string | undefined {
  let db: SqliteDatabase | undefined
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, nativeBinding })
    const version = Number(db.pragma('user_version', { simple: true }))
    if (version > known) {
      throw new StorageError(
        'DB_NEWER_SCHEMA',
        `${file} was created by a newer llmnet (schema ${version}); this version knows up to ` +
          `${known}. Update llmnet, or point it at another data folder. The file was not changed.`,
        { file }
      )
    }
    if (check === 'quick') {
      const rows = db.pragma('quick_check') as { quick_check: string }[]
      const bad = rows.map((r) => r.quick_check).filter((r) => r !== 'ok')
      if (bad.length > 0) return `integrity check: ${bad.slice(0, 3).join('; ')}`
    }
    return undefined
  } catch (err) {
    if (isCorruption(err)) return (err as Error).message
    throw err
  } finally {
    db?.close()
  }
}

function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
}

/** Copies the file (and its WAL, if any) to `<file>.corrupt-<timestamp>`; returns the copy's path. */
function backupFiles(file: string, at: number): string {
  const backup = `${file}.corrupt-${new Date(at).toISOString().replace(/[:.]/g, '-')}`
  copyFileSync(file, backup)
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${backup}-wal`)
  return backup
}

interface AppliedRow {
  id: number
  name: string
  sha256: string
}

/** Checks the recorded hashes, then applies each pending migration in its own transaction. */
function migrate(
  db: SqliteDatabase,
  file: string,
  migrations: readonly Migration[],
  now: () => number
): number[] {
  migrations.forEach((m, i) => {
    if (m.id !== i + 1) throw new Error(`migration ${m.name} has id ${m.id}, expected ${i + 1}`)
  })
  db.exec(
    'CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, ' +
      'sha256 TEXT NOT NULL, applied_at INTEGER NOT NULL)'
  )
  const rows = db
    .prepare('SELECT id, name, sha256 FROM migrations ORDER BY id')
    .all() as AppliedRow[]
  for (const row of rows) {
    const m = migrations[row.id - 1]
    if (!m) {
      throw new StorageError(
        'DB_NEWER_SCHEMA',
        `${file} was created by a newer llmnet (schema ${rows.at(-1)?.id}); this version knows ` +
          `up to ${migrations.length}. Update llmnet, or point it at another data folder.`,
        { file }
      )
    }
    const hash = migrationHash(m.sql)
    if (hash !== row.sha256) {
      throw new StorageError(
        'MIGRATION_EDITED',
        `${file}: migration ${row.id} (${row.name}) was applied with sha256 ` +
          `${row.sha256.slice(0, 12)}…, but this build's ${m.name} hashes to ${hash.slice(0, 12)}…. ` +
          'An applied migration must never be edited; add a new numbered migration instead.',
        { file }
      )
    }
  }
  const insert = db.prepare(
    'INSERT INTO migrations (id, name, sha256, applied_at) VALUES (?, ?, ?, ?)'
  )
  const applied: number[] = []
  for (const m of migrations.slice(rows.length)) {
    db.transaction(() => {
      db.exec(m.sql)
      insert.run(m.id, m.name, migrationHash(m.sql), now())
      db.pragma(`user_version = ${m.id}`)
    })()
    applied.push(m.id)
  }
  return applied
}
