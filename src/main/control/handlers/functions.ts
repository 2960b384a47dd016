/** @module Function routes: each a call into the functions service. */
import type { FunctionsService } from '../../core/services/functions-service'
import type { DomainHandlers } from './types'

export function functionsHandlers(functions: FunctionsService): DomainHandlers<'functions'> {
  return {
    'functions.list': async (input) => functions.list(input.pipeline),
    'functions.test': async (input) => functions.test(input)
  }
}
