/** Small helpers shared by the tests/storage-*.test.ts files. */
import type Database from 'better-sqlite3'
import { expect } from 'vitest'
import { StorageError } from '../../src/main/core/storage/errors'

/** Runs `fn`, expects it to throw a StorageError, and returns that error. */
export function storageError(fn: () => unknown): StorageError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError)
    return err as StorageError
  }
  throw new Error('expected a StorageError')
}

/** Fills the settings table with `rows` rows of ~200 bytes and checkpoints, so the file has many pages. */
export function fillPages(db: Database.Database, rows = 500): void {
  const insert = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)')
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`key-${i}`, JSON.stringify('x'.repeat(200)))
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
}
