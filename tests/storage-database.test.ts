/**
 * openDatabase against real temporary files (and `:memory:`): pragmas, migrations (applied once, hashed, never
 * edited), a database from a newer llmnet, and corrupt files.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type OpenedDatabase } from '../src/main/core/storage/database'
import { MIGRATIONS } from '../src/main/core/storage/migrations/list'
import { tempDir } from './support/harness'
import { fillPages, storageError } from './support/storage-helpers'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const f of cleanups.splice(0)) f()
})

function dbFile(): { dir: string; file: string } {
  const tmp = tempDir('llmnet-db-')
  cleanups.push(tmp.remove)
  return { dir: tmp.dir, file: path.join(tmp.dir, 'llmnet.db') }
}

function open(file: string, opts: Parameters<typeof openDatabase>[1] = {}): OpenedDatabase {
  const opened = openDatabase(file, opts)
  cleanups.unshift(() => opened.close())
  return opened
}

describe('openDatabase', () => {
  it('sets WAL, FULL sync, foreign keys and a busy timeout', () => {
    const { db } = open(dbFile().file)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
  })

  it('opens `:memory:` migrated, each open its own empty database (WAL is not asked of it)', () => {
    const a = open(':memory:')
    expect(a.applied).toEqual(MIGRATIONS.map((m) => m.id))
    expect(a.db.pragma('journal_mode', { simple: true })).toBe('memory')
    expect(a.db.pragma('foreign_keys', { simple: true })).toBe(1)
    a.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', 0)").run()
    const b = open(':memory:')
    expect(b.db.prepare('SELECT count(*) AS n FROM settings').get()).toEqual({ n: 0 })
  })

  it('applies the migrations once, records their hashes, and is idempotent on reopen', () => {
    const { file } = dbFile()
    const first = openDatabase(file)
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.id))
    expect(first.schemaVersion).toBe(MIGRATIONS.length)
    const rows = first.db.prepare('SELECT id, sha256 FROM migrations').all() as { sha256: string }[]
    expect(rows).toHaveLength(MIGRATIONS.length)
    expect(rows[0]!.sha256).toMatch(/^[0-9a-f]{64}$/)
    first.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', 0)").run()
    first.close()
    const second = open(file)
    expect(second.applied).toEqual([])
    expect(second.schemaVersion).toBe(MIGRATIONS.length)
    expect(second.db.prepare('SELECT value FROM settings').get()).toEqual({ value: '1' })
  })

  it('applies a later migration on top of an existing database', () => {
    const { file } = dbFile()
    openDatabase(file).close()
    const next = [
      ...MIGRATIONS,
      { id: MIGRATIONS.length + 1, name: 'next', sql: 'CREATE TABLE extra (x)' }
    ]
    const opened = open(file, { migrations: next })
    expect(opened.applied).toEqual([MIGRATIONS.length + 1])
    expect(opened.schemaVersion).toBe(MIGRATIONS.length + 1)
  })

  it('refuses to open when an applied migration was edited', () => {
    const { file } = dbFile()
    openDatabase(file).close()
    const edited = MIGRATIONS.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m))
    const err = storageError(() => openDatabase(file, { migrations: edited }))
    expect(err.code).toBe('MIGRATION_EDITED')
    expect(err.message).toContain(file)
    expect(err.message).toContain('0001-init')
  })

  it('refuses a database from a newer llmnet and leaves it byte for byte as it was', () => {
    const { file } = dbFile()
    const next = [
      ...MIGRATIONS,
      { id: MIGRATIONS.length + 1, name: 'future', sql: 'CREATE TABLE f (x)' }
    ]
    openDatabase(file, { migrations: next }).close()
    const before = readFileSync(file)
    const err = storageError(() => openDatabase(file))
    expect(err.code).toBe('DB_NEWER_SCHEMA')
    expect(err.message).toContain(
      `created by a newer llmnet (schema ${MIGRATIONS.length + 1}); this version knows up to ${MIGRATIONS.length}`
    )
    expect(readFileSync(file).equals(before)).toBe(true)
  })

  it('refuses a file of garbage bytes with DB_CORRUPT, keeps a backup and leaves it untouched', () => {
    const { dir, file } = dbFile()
    const garbage = Buffer.from(
      'this is not a database, just some text that happens to be here\n'.repeat(100)
    )
    writeFileSync(file, garbage)
    const err = storageError(() => openDatabase(file))
    expect(err.code).toBe('DB_CORRUPT')
    expect(err.message).toContain(file)
    expect(err.details.backup).toMatch(/llmnet\.db\.corrupt-/)
    expect(err.message).toContain(err.details.backup)
    expect(readFileSync(file).equals(garbage)).toBe(true)
    expect(readFileSync(err.details.backup!).equals(garbage)).toBe(true)
    expect(readdirSync(dir).filter((f) => f.includes('corrupt'))).toHaveLength(1)
  })

  it('refuses a truncated database (pages cut off) instead of resetting it', () => {
    const { file } = dbFile()
    const { db, close } = openDatabase(file)
    fillPages(db)
    close()
    const whole = readFileSync(file)
    const truncated = whole.subarray(0, Math.floor(whole.length / 2))
    writeFileSync(file, truncated)
    const err = storageError(() => openDatabase(file))
    expect(err.code).toBe('DB_CORRUPT')
    expect(readFileSync(file).equals(truncated)).toBe(true)
    expect(readFileSync(err.details.backup!).equals(truncated)).toBe(true)
  })

  it('finds damage inside a page with the integrity check, not only a bad header', () => {
    const { file } = dbFile()
    const { db, close } = openDatabase(file)
    fillPages(db)
    const pageSize = Number(db.pragma('page_size', { simple: true }))
    close()
    const bytes = readFileSync(file)
    // Scribble over the last page (a leaf of settings), keeping the file's size and header.
    bytes.fill(0xa5, bytes.length - pageSize, bytes.length)
    writeFileSync(file, bytes)
    const err = storageError(() => openDatabase(file))
    expect(err.code).toBe('DB_CORRUPT')
    expect(readFileSync(file).equals(bytes)).toBe(true)
  })

  it('starts empty after a corrupt file only when asked, keeping and reporting the backup', () => {
    const { file } = dbFile()
    writeFileSync(file, 'garbage '.repeat(1000))
    const opened = open(file, { onCorrupt: 'backup-and-reset' })
    expect(opened.corruptBackup).toBeDefined()
    expect(readFileSync(opened.corruptBackup!, 'utf8')).toBe('garbage '.repeat(1000))
    expect(opened.schemaVersion).toBe(MIGRATIONS.length)
  })

  it('opens an existing database written by another connection (WAL content included)', () => {
    const { file } = dbFile()
    openDatabase(file).close()
    const other = new Database(file)
    other.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('a', '2', 0)").run()
    const opened = open(file)
    expect(opened.db.prepare("SELECT value FROM settings WHERE key = 'a'").get()).toEqual({
      value: '2'
    })
    other.close()
  })
})
