/**
 * @module Opens everything the runtime keeps in its data folder, in the right order: the folder's
 * lock, the database, the secret key, then the repositories and the trace writer. `close()`
 * undoes it in reverse (queued traces are flushed first, the lock released last).
 */
import { join } from 'node:path'
import type { z } from 'zod'
import { type OpenDatabaseOptions, openDatabase, type SqliteDatabase } from './database'
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

/** The opened store. Use `secrets` as the runtime's `SecretStore`. */
export interface Store<S extends z.ZodObject> {
  dataDir: string
  file: string
  db: SqliteDatabase
  /** Set when a corrupt database was set aside (only with `onCorrupt: 'backup-and-reset'`). */
  corruptBackup?: string
  lock?: DataDirLock
  pipelines: PipelineRepository
  settings: SettingsRepository<S>
  traces: TraceRepository
  traceWriter: TraceWriter
  secrets: SecretRepository
  evals: EvalRepository
  /** Flushes queued traces, closes the database, releases the lock. Idempotent. */
  close(): void
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
    const db = opened.db
    const traceWriter = new TraceWriter(db, { now, ...opts.traces })
    let closed = false
    const close = opened.close
    const evals = new EvalRepository(db, now)
    evals.failInterrupted()
    return {
      dataDir: opts.dataDir,
      file: opened.file,
      db,
      corruptBackup: opened.corruptBackup,
      lock,
      pipelines: new PipelineRepository(db, now),
      settings: new SettingsRepository(db, opts.settingsSchema, now),
      traces: new TraceRepository(db),
      traceWriter,
      secrets: new SecretRepository(db, encryptor, now),
      evals,
      close: () => {
        if (closed) return
        closed = true
        try {
          traceWriter.close()
          close()
        } finally {
          lock?.release()
        }
      }
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
