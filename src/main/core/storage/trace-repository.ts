/**
 * @module Reads stored traces: a filtered, paged list (newest first, or oldest first after a
 * cursor for following) and lookup by id. Traces are stored as JSON with a few indexed columns.
 */
import type { Trace } from '../engine/trace'
import type { SqliteDatabase } from './database'
import { StorageError } from './errors'
import { routeColumn } from './trace-writer'

/** Filters for {@link TraceRepository.list}. All are optional and combine with AND. */
export interface TraceQuery {
  pipeline?: string
  status?: string
  /** Traces whose route passed through this node. */
  node?: string
  /** Started at or after this epoch-ms time. */
  since?: number
  /** Page size (default 50, at most 500). */
  limit?: number
  /** Older than this cursor (a previous page's `nextCursor`); newest first. */
  cursor?: string
  /** Newer than this cursor, oldest first: for following new traces. */
  after?: string
}

/** A stored trace with its position, usable as a cursor. */
export interface StoredTrace {
  cursor: string
  trace: Trace
}

/** One page of traces. */
export interface TracePage {
  items: StoredTrace[]
  /** Present when there may be more: pass it as `cursor` (or `after`) for the next page. */
  nextCursor?: string
}

/** Queries over the traces table. */
export class TraceRepository {
  constructor(private readonly db: SqliteDatabase) {}

  /** One page of traces matching `q`. */
  list(q: TraceQuery = {}): TracePage {
    const where: string[] = []
    const params: (string | number)[] = []
    const add = (condition: string, value: string | number | undefined): void => {
      if (value === undefined) return
      where.push(condition)
      params.push(value)
    }
    add('pipeline = ?', q.pipeline)
    add('status = ?', q.status)
    add('started_at >= ?', q.since)
    add('instr(route, ?) > 0', q.node === undefined ? undefined : routeColumn([q.node]))
    add('seq < ?', q.cursor === undefined ? undefined : cursorSeq(q.cursor))
    add('seq > ?', q.after === undefined ? undefined : cursorSeq(q.after))
    const limit = Math.min(Math.max(Math.trunc(q.limit ?? 50), 1), 500)
    const order = q.after !== undefined ? 'ASC' : 'DESC'
    const sql =
      `SELECT seq, body FROM traces ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY seq ${order} LIMIT ?`
    const rows = this.db.prepare(sql).all(...params, limit) as { seq: number; body: string }[]
    const items = rows.map((r) => ({ cursor: String(r.seq), trace: JSON.parse(r.body) as Trace }))
    const page: TracePage = { items }
    const last = items.at(-1)
    if (last && (items.length === limit || q.after !== undefined)) page.nextCursor = last.cursor
    return page
  }

  /** The trace with this id, or undefined. */
  get(id: string): Trace | undefined {
    const row = this.db.prepare('SELECT body FROM traces WHERE id = ?').get(id) as
      { body: string } | undefined
    return row ? (JSON.parse(row.body) as Trace) : undefined
  }

  /** How many traces are stored. */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM traces').get() as { n: number }).n
  }
}

function cursorSeq(cursor: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(cursor)) {
    throw new StorageError('INVALID_INPUT', `cursor: "${cursor}" is not a trace cursor`)
  }
  return Number(cursor)
}
