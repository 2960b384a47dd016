/**
 * @module What a control API client looks like, typed from the contract: preload implements it
 * over IPC as `window.api`, and an HTTP client can implement the same shape.
 */
import type { Envelope } from './errors'
import type { EventName, EventPayload } from './events'
import type { OutputOf, RequestOf, RouteName } from './routes'

/** The input argument: optional for routes whose input may be left out. */
export type RequestArgs<R extends RouteName> =
  undefined extends RequestOf<R> ? [input?: RequestOf<R>] : [input: RequestOf<R>]

export interface ControlClient {
  /** Calls a route; failures come back as `{ ok: false, error }`, never as a rejection. */
  request<R extends RouteName>(route: R, ...input: RequestArgs<R>): Promise<Envelope<OutputOf<R>>>
  /** Listens to one event; returns the function that stops listening. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}
