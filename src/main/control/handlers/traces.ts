/** @module Trace routes: each a call into the traces service. */
import type { TracesService } from '../../core/services/traces-service'
import type { DomainHandlers } from './types'

export function tracesHandlers(traces: TracesService): DomainHandlers<'traces'> {
  return {
    'traces.list': async (input) => traces.list(input),
    'traces.get': async (input) => traces.get(input.id)
  }
}
