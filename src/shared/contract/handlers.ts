/**
 * @module The type a transport's handler map must have: one function per route, so a route
 * without a handler does not compile (see `handlers.type-test.ts`).
 */
import type { InputOf, OutputOf, RouteName } from './routes'

/** What a handler knows about the call besides its input. */
export interface HandlerContext {
  transport: 'ipc' | 'http'
  /** Aborted when the caller goes away (HTTP client closed, window destroyed). */
  signal: AbortSignal
}

export type Handler<R extends RouteName> = (
  input: InputOf<R>,
  ctx: HandlerContext
) => Promise<OutputOf<R>>

export type ContractHandlers = { [R in RouteName]: Handler<R> }
