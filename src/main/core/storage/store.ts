/**
 * @module Opens everything the runtime keeps in its data folder, in the right order: the folder's
 * lock, the database, the secret key, then the repositories and the trace writer. `close()`
 * undoes it in reverse (queued traces are flushed first, the lock released last).
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { z } from 'zod'
import { MEMORY, type OpenDatabaseOptions, openDatabase, type SqliteDatabase } from './database'
import { AesGcmEncryptor, type Encryptor } from './encryption'
import { EvalRepository } from './eval-repository'
import { type AcquireLockOptions, acquireDataDirLock, type DataDirLock } from './lock'
import { PipelineRepository } from './pipeline-repository'
import { ensurePrivateDir, ensurePrivateFile, ensurePrivateTree } from './private-files'
import { loadSecretKey } from './secret-key'
import { SecretRepository } from './secret-repository'
import { SettingsRepository } from './settings-repository'
import { TraceRepository } from './trace-repository'
import { TraceWriter, type TraceWriterOptions } from './trace-writer'

/** The database's file name inside the data folder. */
export const DB_FILE_NAME = 'llmnet.db'

/** Options for {@link openStore}. */
export interface OpenStoreOptions<S extends z.ZodObject> {
  /** The data folder (created if missing): `defaultDataDir()` headless, `userData` in the app. */
  dataDir: string
  /** The app's settings schema (each field with its default). */
  settingsSchema: S
  /** The app passes `safeStorageEncryptor(safeStorage)`; default: AES-256-GCM (see secret-key.ts). */
  encryptor?: Encryptor
  /** Where `LLMNET_SECRET_KEY` / `LLMNET_SECRET_KEY_FILE` are read (default: process.env). */
  env?: NodeJS.ProcessEnv
  /** `false` skips the lock (tests, or a caller that already holds it). */
  lock?: AcquireLockOptions | false
  database?: OpenDatabaseOptions
  traces?: TraceWriterOptions
  now?: () => number
}

/** The repositories over one open database: what the services are built from. */
export interface Repositories<S extends z.ZodObject> {
  db: SqliteDatabase
  pipelines: PipelineRepository
  settings: SettingsRepository<S>
  traces: TraceRepository
  traceWriter: TraceWriter
  secrets: SecretRepository
  evals: EvalRepository
  /** Flushes queued traces and closes the database (a store also releases its lock). Idempotent. */
  close(): void
}

/** The opened store. Use `secrets` as the runtime's `SecretStore`. */
export interface Store<S extends z.ZodObject> extends Repositories<S> {
  dataDir: string
  file: string
  /** Set when a corrupt database was set aside (only with `onCorrupt: 'backup-and-reset'`). */
  corruptBackup?: string
  lock?: DataDirLock
}

/** What {@link repositoriesOver} needs besides the database. */
interface RepositoryOptions<S extends z.ZodObject> {
  settingsSchema: S
  encryptor: Encryptor
  traces?: TraceWriterOptions
  now: () => number
  /** Closes the database (and whatever else the caller holds) after the trace writer flushed. */
  close(): void
}

/** Builds every repository over `db`; an evaluation run left running by a crash is failed. */
function repositoriesOver<S extends z.ZodObject>(
  db: SqliteDatabase,
  opts: RepositoryOptions<S>
): Repositories<S> {
  const { now } = opts
  const traceWriter = new TraceWriter(db, { now, ...opts.traces })
  const evals = new EvalRepository(db, now)
  evals.failInterrupted()
  let closed = false
  return {
    db,
    pipelines: new PipelineRepository(db, now),
    settings: new SettingsRepository(db, opts.settingsSchema, now),
    traces: new TraceRepository(db),
    traceWriter,
    secrets: new SecretRepository(db, opts.encryptor, now),
    evals,
    close: () => {
      if (closed) return
      closed = true
      try {
        traceWriter.close()
      } finally {
        opts.close()
      }
    }
  }
}

/**
 * Every repository over a fresh in-memory database (migrated like a file): no folder, no lock,
 * secrets sealed with a random key that dies with it. For the services' tests.
 */
export function openMemoryStore<S extends z.ZodObject>(opts: {
  settingsSchema: S
  now?: () => number
  traces?: TraceWriterOptions
}): Repositories<S> {
  const now = opts.now ?? Date.now
  const opened = openDatabase(MEMORY, { now })
  return repositoriesOver(opened.db, {
    ...opts,
    now,
    encryptor: new AesGcmEncryptor(randomBytes(32), 'a key held in memory'),
    close: opened.close
  })
}

/** Opens the data folder's store; throws a `StorageError` (lock, corrupt file, key) otherwise. */
export function openStore<S extends z.ZodObject>(opts: OpenStoreOptions<S>): Store<S> {
  const now = opts.now ?? Date.now
  ensurePrivateDir(opts.dataDir)
  ensurePrivateTree(join(opts.dataDir, 'workspaces'))
  ensurePrivateFile(join(opts.dataDir, 'server.json'))
  const lock = opts.lock === false ? undefined : acquireDataDirLock(opts.dataDir, opts.lock)
  let opened: ReturnType<typeof openDatabase> | undefined
  try {
    const encryptor = opts.encryptor ?? headlessEncryptor(opts.dataDir, opts.env)
    const dbFile = join(opts.dataDir, DB_FILE_NAME)
    const dbFiles = [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, `${dbFile}-journal`]
    for (const f of dbFiles) ensurePrivateFile(f)
    opened = openDatabase(dbFile, { now, ...opts.database })
    // A new database is created 0644; SQLite gives a later -wal and -shm the database's mode.
    for (const f of dbFiles) ensurePrivateFile(f)
    const { close } = opened
    return {
      ...repositoriesOver(opened.db, {
        settingsSchema: opts.settingsSchema,
        encryptor,
        traces: opts.traces,
        now,
        close: () => {
          try {
            close()
          } finally {
            lock?.release()
          }
        }
      }),
      dataDir: opts.dataDir,
      file: opened.file,
      corruptBackup: opened.corruptBackup,
      lock
    }
  } catch (err) {
    opened?.close()
    lock?.release()
    throw err
  }
}

function headlessEncryptor(dataDir: string, env: NodeJS.ProcessEnv | undefined): Encryptor {
  const key = loadSecretKey({ dataDir, env })
  return new AesGcmEncryptor(key.key, key.describe)
}
