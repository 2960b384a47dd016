/**
 * @module Stored request traces for the control routes: newest first, filtered, and one by id.
 * Traces are written in batches (every 500 ms); each read first writes what is queued, so a
 * request that just ended is listed (the Requests page opened right after a chat missed it).
 */
import type { InputOf, OutputOf } from '../../../shared/contract/routes'
import { AppError } from '../errors'
import type { TraceRepository } from '../storage/trace-repository'

export class TracesService {
  constructor(
    private readonly traces: TraceRepository,
    /** Writes the traces still queued (the store's trace writer). */
    private readonly flushQueued: () => void = () => {}
  ) {}

  /** A page of traces without their hops; `until` drops those started after it. */
  list(input: InputOf<'traces.list'>): OutputOf<'traces.list'> {
    this.flushQueued()
    const page = this.traces.list({
      pipeline: input.pipeline,
      status: input.status,
      node: input.node,
      since: input.since,
      limit: input.limit,
      cursor: input.cursor
    })
    const traces = page.items
      .map((i) => i.trace)
      .filter((t) => input.until === undefined || t.startedAt <= input.until)
      .map(({ hops: _hops, ...summary }) => summary)
    return { traces, nextCursor: page.nextCursor ?? null }
  }

  get(id: string): OutputOf<'traces.get'> {
    const trace = this.find(id)
    if (!trace) throw new AppError('not_found', `no stored trace with id "${id}"`)
    return trace
  }

  /** A stored trace by id (one still queued included), or undefined. */
  find(id: string): OutputOf<'traces.get'> | undefined {
    this.flushQueued()
    return this.traces.get(id)
  }
}
