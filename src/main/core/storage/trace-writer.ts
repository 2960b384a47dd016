/**
 * @module Persists request traces off the request path. `push` only appends to a bounded
 * in-memory queue (when it is full the trace is dropped and counted); a timer or a full batch
 * writes the queue in one transaction, which also applies the retention limits.
 */
import type { Trace } from '../engine/trace'
import type { SqliteDatabase } from './database'

/** How many traces to keep; `0` turns a limit off. */
export interface TraceRetention {
  /** Keep at most this many, newest first (default 10 000). */
  maxCount?: number
  /** Delete traces that started longer ago than this (default 7 days). */
  maxAgeMs?: number
}

/** The separator around each node in the `route` column (see migration 0003). */
export const ROUTE_SEPARATOR = '\u001f'

/** `route` as stored: every node between separators, so a node is found by searching for it. */
export function routeColumn(route: readonly string[]): string {
  return route.length === 0
    ? ''
    : `${ROUTE_SEPARATOR}${route.join(ROUTE_SEPARATOR)}${ROUTE_SEPARATOR}`
}

/** Options for {@link TraceWriter}. */
export interface TraceWriterOptions {
  /** Traces waiting to be written before new ones are dropped (default 5000). */
  maxQueue?: number
  /** A queue this long is written at once, on the next turn of the event loop (default 200). */
  batchSize?: number
  /** Otherwise the queue is written this often (default 500 ms). */
  flushIntervalMs?: number
  /** Retention is also applied this often without new traces (default 60 000 ms). */
  pruneIntervalMs?: number
  retention?: TraceRetention
  /**
   * Successful traces stored per second at most (default 250; 0 = no limit). Under heavier load
   * the rest are counted as `skipped`, not stored: a request log that holds 10,000 traces is
   * full within seconds at thousands a second, and writing each costs CPU the requests need.
   * Failed requests are always stored (up to the queue).
   */
  maxPerSecond?: number
  now?: () => number
  /** A batch that could not be written (its traces count as `failed`). */
  onError?: (err: unknown) => void
}

/** Counters for metrics. */
export interface TraceWriterStats {
  /** Traces committed to the database. */
  written: number
  /** Traces refused by `push` because the queue was full (or the writer closed). */
  dropped: number
  /** Traces lost because their batch's transaction failed. */
  failed: number
  /** Successful traces not stored because more than `maxPerSecond` finished. */
  skipped: number
  /** Transactions that wrote traces. */
  batches: number
  /** Traces deleted by retention. */
  pruned: number
  /** Traces waiting now. */
  queued: number
}

export const DEFAULT_TRACE_RETENTION: Required<TraceRetention> = {
  maxCount: 10_000,
  maxAgeMs: 7 * 24 * 60 * 60 * 1000
}

/** The bounded async batch writer of traces; create one per database and `close()` it first. */
export class TraceWriter {
  private queue: Trace[] = []
  private immediate: NodeJS.Immediate | undefined
  private readonly timer: NodeJS.Timeout
  private closed = false
  private lastPrune: number
  private readonly counts = {
    written: 0,
    dropped: 0,
    failed: 0,
    skipped: 0,
    batches: 0,
    pruned: 0
  }
  /** A token bucket: `maxPerSecond` tokens, refilled continuously. */
  private tokens: number
  private tokensAt = 0
  private readonly maxPerSecond: number
  private readonly maxQueue: number
  private readonly batchSize: number
  private readonly pruneIntervalMs: number
  private readonly retention: Required<TraceRetention>
  private readonly now: () => number
  private readonly writeBatch: (batch: Trace[]) => void
  private readonly pruneNow: () => number

  constructor(
    db: SqliteDatabase,
    private readonly opts: TraceWriterOptions = {}
  ) {
    this.maxQueue = opts.maxQueue ?? 5000
    this.batchSize = opts.batchSize ?? 200
    this.pruneIntervalMs = opts.pruneIntervalMs ?? 60_000
    this.maxPerSecond = opts.maxPerSecond ?? 250
    this.tokens = this.maxPerSecond
    this.retention = { ...DEFAULT_TRACE_RETENTION, ...opts.retention }
    this.now = opts.now ?? Date.now
    const insert = db.prepare(
      'INSERT OR IGNORE INTO traces (id, pipeline, status, started_at, duration_ms, route, body) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?)'
    )
    // seq only grows and the newest rows have no gaps (age pruning removes the oldest), so the
    // newest maxCount are those above max(seq) - maxCount: a primary-key range, not an OFFSET
    // scan over the whole table on every batch.
    const byCount = db.prepare('DELETE FROM traces WHERE seq <= (SELECT max(seq) FROM traces) - ?')
    const byAge = db.prepare('DELETE FROM traces WHERE started_at < ?')
    const prune = (): number => {
      let removed = 0
      if (this.retention.maxAgeMs > 0) {
        removed += byAge.run(this.now() - this.retention.maxAgeMs).changes
      }
      if (this.retention.maxCount > 0) removed += byCount.run(this.retention.maxCount).changes
      this.lastPrune = this.now()
      return removed
    }
    this.pruneNow = db.transaction(prune)
    // Insert and prune in one transaction: one commit (one fsync) per batch.
    this.writeBatch = db.transaction((batch: Trace[]) => {
      for (const t of batch) {
        const res = insert.run(
          String(t.id),
          String(t.pipeline),
          String(t.status),
          Math.round(Number(t.startedAt) || 0),
          Number(t.durationMs) || 0,
          routeColumn(t.route ?? []),
          JSON.stringify(t)
        )
        if (res.changes > 0) this.counts.written++
      }
      this.counts.pruned += prune()
    })
    this.lastPrune = this.now()
    this.timer = setInterval(() => this.tick(), opts.flushIntervalMs ?? 500)
    this.timer.unref()
  }

  /** Queues a trace; O(1). Returns false (and counts it) when the queue is full or closed. */
  push(trace: Trace): boolean {
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.counts.dropped++
      return false
    }
    if (this.maxPerSecond > 0 && trace.status !== 'error' && !this.admit()) {
      this.counts.skipped++
      return false
    }
    this.queue.push(trace)
    if (this.queue.length >= this.batchSize && !this.immediate) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined
        this.flush()
      })
      this.immediate.unref()
    }
    return true
  }

  private admit(): boolean {
    const now = this.now()
    const elapsed = now - this.tokensAt
    if (elapsed > 0) {
      this.tokens = Math.min(this.maxPerSecond, this.tokens + (elapsed * this.maxPerSecond) / 1000)
      this.tokensAt = now
    }
    if (this.tokens < 1) return false
    this.tokens--
    return true
  }

  /** Writes everything queued in one transaction now; returns how many traces were taken. */
  flush(): number {
    if (this.queue.length === 0) return 0
    const batch = this.queue
    this.queue = []
    const before = this.counts.written
    try {
      this.writeBatch(batch)
      this.counts.batches++
    } catch (err) {
      this.counts.written = before
      this.counts.failed += batch.length
      this.opts.onError?.(err)
    }
    return batch.length
  }

  /** Applies the retention limits now (in its own transaction); returns how many were deleted. */
  prune(): number {
    const removed = this.pruneNow()
    this.counts.pruned += removed
    return removed
  }

  /** The counters, for metrics. */
  get stats(): TraceWriterStats {
    return { ...this.counts, queued: this.queue.length }
  }

  /** Stops the timers and writes what is queued; later pushes are dropped. Close the db after. */
  close(): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    if (this.immediate) clearImmediate(this.immediate)
    this.immediate = undefined
    this.flush()
  }

  private tick(): void {
    if (this.queue.length > 0) {
      this.flush()
    } else if (this.now() - this.lastPrune >= this.pruneIntervalMs) {
      try {
        this.prune()
      } catch (err) {
        this.opts.onError?.(err)
      }
    }
  }
}
