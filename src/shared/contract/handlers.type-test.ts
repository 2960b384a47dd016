/**
 * @module Compile-time checks of {@link ContractHandlers}, run by `tsc` (never imported): each
 * `@ts-expect-error` fails the type check if the mistake below it ever starts to compile.
 */
import type { ContractHandlers, Handler } from './handlers'

/** A handler map that lost one route is not a ContractHandlers. */
export function withoutOneHandler(handlers: ContractHandlers): ContractHandlers {
  const { 'secrets.delete': _dropped, ...rest } = handlers
  // @ts-expect-error Property ''secrets.delete'' is missing
  return rest
}

/** A handler must return its route's output (`updatedAt` is epoch milliseconds). */
// @ts-expect-error Type 'string' is not assignable to type 'number'
export const wrongOutput: Handler<'secrets.set'> = async (input) => ({
  name: input.name,
  updatedAt: 'just now',
  usedBy: []
})

/** A handler gets its route's parsed input, defaults filled in. */
export const parsedInput: Handler<'traces.list'> = async (input) => {
  const limit: number = input.limit
  // @ts-expect-error traces.list has no `name` field
  void input.name
  return { traces: [], nextCursor: limit > 0 ? null : null }
}
