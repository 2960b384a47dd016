/**
 * The trace writer (batches, retention, the drop counter, close) and trace queries, against a
 * real temporary database. Transactions are counted from the WAL file itself: every commit ends
 * with one commit frame.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Trace } from '../src/main/core/engine/trace'
import { openDatabase, type OpenedDatabase } from '../src/main/core/storage/database'
import { MIGRATIONS } from '../src/main/core/storage/migrations/list'
import { StorageError } from '../src/main/core/storage/errors'
import { TraceRepository } from '../src/main/core/storage/trace-repository'
import { TraceWriter, type TraceWriterOptions } from '../src/main/core/storage/trace-writer'
import { tempDir } from './support/harness'

const DAY = 24 * 60 * 60 * 1000
let opened: OpenedDatabase
let remove: () => void
const writers: TraceWriter[] = []

beforeEach(() => {
  const tmp = tempDir('llmnet-traces-')
  remove = tmp.remove
  opened = openDatabase(path.join(tmp.dir, 'llmnet.db'))
  // Keep every commit in the WAL so the test can count them.
  opened.db.pragma('wal_autocheckpoint = 0')
})
afterEach(() => {
  for (const w of writers.splice(0)) w.close()
  opened.close()
  remove()
})

function writer(opts: TraceWriterOptions): TraceWriter {
  const w = new TraceWriter(opened.db, { flushIntervalMs: 3_600_000, ...opts })
  writers.push(w)
  return w
}

function trace(n: number, extra: Partial<Trace> = {}): Trace {
  return {
    id: `t${n}`,
    pipeline: n % 2 ? 'odd' : 'even',
    stream: false,
    startedAt: Date.now(),
    durationMs: n,
    status: n % 5 === 0 ? 'error' : 'ok',
    route: ['router', n % 3 === 0 ? 'coder' : 'writer'],
    hops: [],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    ...extra
  }
}

/** Commits in the WAL: frames whose "database size after commit" field is set. */
function walCommits(): number {
  let wal: Buffer
  try {
    wal = readFileSync(`${opened.file}-wal`)
  } catch {
    return 0
  }
  if (wal.length < 32) return 0
  const pageSize = wal.readUInt32BE(8)
  const salt = [wal.readUInt32BE(16), wal.readUInt32BE(20)]
  let commits = 0
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt[0] || wal.readUInt32BE(at + 12) !== salt[1]) break
    if (wal.readUInt32BE(at + 4) !== 0) commits++
  }
  return commits
}

const count = (): number => new TraceRepository(opened.db).count()
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('TraceWriter', () => {
  it('writes nothing on push and a full batch in exactly one transaction', async () => {
    const w = writer({ batchSize: 100 })
    const before = walCommits()
    for (let i = 1; i <= 99; i++) expect(w.push(trace(i))).toBe(true)
    expect(count()).toBe(0)
    expect(walCommits()).toBe(before)
    // Reaching the batch size schedules one flush on the next turn; pushes until then join it.
    for (let i = 100; i <= 250; i++) w.push(trace(i))
    await nextTurn()
    expect(count()).toBe(250)
    expect(walCommits() - before).toBe(1)
    expect(w.stats).toMatchObject({ written: 250, batches: 1, queued: 0, dropped: 0 })
  })

  it('flushes a partial batch on its timer', async () => {
    const w = writer({ batchSize: 100, flushIntervalMs: 10 })
    w.push(trace(1))
    await vi.waitFor(() => expect(count()).toBe(1), { timeout: 10_000 })
    expect(w.stats.batches).toBe(1)
  })

  it('drops and counts traces when the queue is full, never blocking', () => {
    const w = writer({ maxQueue: 10, batchSize: 1000 })
    const accepted = Array.from({ length: 15 }, (_, i) => w.push(trace(i + 1)))
    expect(accepted.filter(Boolean)).toHaveLength(10)
    expect(w.stats).toMatchObject({ dropped: 5, queued: 10 })
    w.flush()
    expect(count()).toBe(10)
    expect(w.push(trace(99))).toBe(true)
  })

  it('keeps only the newest maxCount traces', () => {
    const w = writer({ batchSize: 1000, retention: { maxCount: 50, maxAgeMs: 0 } })
    for (let i = 1; i <= 80; i++) w.push(trace(i))
    w.flush()
    for (let i = 81; i <= 120; i++) w.push(trace(i))
    w.flush()
    const repo = new TraceRepository(opened.db)
    expect(repo.count()).toBe(50)
    expect(repo.get('t70')).toBeUndefined()
    expect(repo.get('t71')).toBeDefined()
    expect(w.stats.pruned).toBe(70)
  })

  it('deletes traces older than maxAgeMs, in the batch and on prune()', () => {
    let clock = 100 * DAY
    const w = writer({ batchSize: 1000, now: () => clock, retention: { maxAgeMs: 7 * DAY } })
    w.push(trace(1, { startedAt: clock - 8 * DAY }))
    w.push(trace(2, { startedAt: clock - 6 * DAY }))
    w.push(trace(3, { startedAt: clock }))
    w.flush()
    const repo = new TraceRepository(opened.db)
    expect(repo.list().items.map((i) => i.trace.id)).toEqual(['t3', 't2'])
    clock += 2 * DAY
    expect(w.prune()).toBe(1)
    expect(repo.list().items.map((i) => i.trace.id)).toEqual(['t3'])
  })

  it('stores at most maxPerSecond successful traces a second, every failed one, and counts the rest (fails if a flood of requests is written whole)', () => {
    let clock = 1_000_000
    const w = writer({ batchSize: 1000, maxPerSecond: 10, now: () => clock })
    for (let i = 1; i <= 15; i++) w.push(trace(i, { status: 'ok' }))
    for (let i = 16; i <= 17; i++) w.push(trace(i, { status: 'error' }))
    expect(w.stats).toMatchObject({ queued: 12, skipped: 5, dropped: 0 })
    clock += 500 // half a second refills half the bucket
    for (let i = 18; i <= 30; i++) w.push(trace(i, { status: 'ok' }))
    expect(w.stats).toMatchObject({ queued: 17, skipped: 13 })
    w.flush()
    expect(count()).toBe(17)
  })

  it('flushes on close and drops what is pushed afterwards', () => {
    const w = writer({ batchSize: 1000 })
    w.push(trace(1))
    w.push(trace(2))
    w.close()
    expect(count()).toBe(2)
    expect(w.push(trace(3))).toBe(false)
    expect(w.stats.dropped).toBe(1)
  })

  it('counts a batch that failed to commit and reports the error', () => {
    const errors: unknown[] = []
    const w = writer({ batchSize: 1000, onError: (e) => errors.push(e) })
    w.push(trace(1))
    opened.db.exec(
      "CREATE TRIGGER fail BEFORE INSERT ON traces BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    w.flush()
    expect(w.stats).toMatchObject({ written: 0, failed: 1 })
    expect(errors).toHaveLength(1)
    expect(count()).toBe(0)
  })

  it('keeps the first trace when an id repeats', () => {
    const w = writer({ batchSize: 1000 })
    w.push(trace(1, { pipeline: 'first' }))
    w.push(trace(1, { pipeline: 'second' }))
    w.flush()
    expect(new TraceRepository(opened.db).get('t1')?.pipeline).toBe('first')
    expect(w.stats.written).toBe(1)
  })
})

describe('TraceRepository', () => {
  function seeded(): TraceRepository {
    const w = writer({ batchSize: 1000, retention: { maxAgeMs: 0, maxCount: 0 } })
    for (let i = 1; i <= 30; i++) w.push(trace(i, { startedAt: 1_000_000 + i }))
    w.flush()
    return new TraceRepository(opened.db)
  }
  const ids = (page: { items: { trace: Trace }[] }): string[] => page.items.map((i) => i.trace.id)

  it('filters by pipeline, status, node and start time, newest first', () => {
    const repo = seeded()
    expect(ids(repo.list({ pipeline: 'odd', status: 'error' }))).toEqual(['t25', 't15', 't5'])
    expect(ids(repo.list({ node: 'coder', since: 1_000_000 + 20 }))).toEqual([
      't30',
      't27',
      't24',
      't21'
    ])
    expect(repo.list({ node: 'nobody' }).items).toEqual([])
    expect(repo.get('t7')).toMatchObject({ id: 't7', route: ['router', 'writer'], durationMs: 7 })
    expect(repo.get('nope')).toBeUndefined()
  })

  it('pages with a cursor and follows new traces with after', () => {
    const repo = seeded()
    const first = repo.list({ limit: 12 })
    const second = repo.list({ limit: 12, cursor: first.nextCursor })
    const third = repo.list({ limit: 12, cursor: second.nextCursor })
    const all = [...ids(first), ...ids(second), ...ids(third)]
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => `t${30 - i}`))
    expect(third.nextCursor).toBeUndefined()
    const tail = repo.list({ after: first.items[2]!.cursor })
    expect(ids(tail)).toEqual(['t29', 't30'])
    expect(repo.list({ after: tail.nextCursor }).items).toEqual([])
  })

  it('refuses a malformed cursor with a clear error', () => {
    const repo = seeded()
    expect(() => repo.list({ cursor: '1; DROP TABLE traces' })).toThrow(StorageError)
    expect(() => repo.list({ cursor: 'abc' })).toThrow(/not a trace cursor/)
  })
})

describe('migration 0003 (the route column)', () => {
  it('carries the routes of traces stored before it, and the node filter finds them', () => {
    const tmp = tempDir('llmnet-migrate-')
    try {
      const file = path.join(tmp.dir, 'old.db')
      // A database as schema 2 left it, with a trace and its route rows.
      const old = openDatabase(file, { migrations: MIGRATIONS.slice(0, 2) })
      old.db
        .prepare(
          "INSERT INTO traces (seq, id, pipeline, status, started_at, duration_ms, body) VALUES (1, 'old', 'p', 'ok', 1, 1, ?)"
        )
        .run(JSON.stringify({ id: 'old', route: ['router', 'code-review'] }))
      old.db.exec("INSERT INTO trace_nodes VALUES (1, 'router'), (1, 'code-review')")
      old.close()
      const now = openDatabase(file)
      try {
        const repo = new TraceRepository(now.db)
        expect(repo.list({ node: 'code-review' }).items.map((i) => i.trace.id)).toEqual(['old'])
        expect(repo.list({ node: 'code' }).items).toEqual([])
        expect(now.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
      } finally {
        now.close()
      }
    } finally {
      tmp.remove()
    }
  })
})
