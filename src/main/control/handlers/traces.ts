/** @module Stored request traces, newest first, and one by id. */
import { AppError } from '../../core/errors'
import type { TraceRepository } from '../../core/storage/trace-repository'
import type { DomainHandlers } from './types'

export function tracesHandlers(deps: { traces: TraceRepository }): DomainHandlers<'traces'> {
  return {
    async 'traces.list'(input) {
      const page = deps.traces.list({
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
    },
    async 'traces.get'(input) {
      const trace = deps.traces.get(input.id)
      if (!trace) throw new AppError('not_found', `no stored trace with id "${input.id}"`)
      return trace
    }
  }
}
