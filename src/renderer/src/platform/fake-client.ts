/**
 * @module An in-memory `Platform` for store tests: handlers per route (a missing one answers
 * "unknown route" like main), a call log, and `emit` to push events. Domains with state of
 * their own live beside it (`fake-evals.ts`).
 */
import type { ControlError, Envelope } from '../../../shared/contract/errors'
import type { EventName, EventPayload } from '../../../shared/contract/events'
import type { InputOf, OutputOf, RouteName } from '../../../shared/contract/routes'
import type { Platform } from './client'

/** A route's fake handler: its output, or throw a `FakeError` to answer an error envelope. */
export type FakeHandlers = {
  [R in RouteName]?: (input: InputOf<R>) => OutputOf<R> | Promise<OutputOf<R>>
} & Record<string, ((input: never) => unknown) | undefined>

/** Thrown by a fake handler to answer `{ok:false, error}`. */
export class FakeError extends Error {
  constructor(
    readonly code: ControlError['code'],
    message: string,
    readonly details?: Record<string, unknown>
  ) {
    super(message)
  }
}

export interface FakePlatform extends Platform {
  calls: { route: string; input: unknown }[]
  handlers: FakeHandlers
  /** What `loadStatic` answers, by path. */
  statics: Record<string, unknown>
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void
  /** How many listeners an event has (to check that stores unsubscribe). */
  listenerCount(event: EventName): number
}

/** A fake platform answering from `handlers`; inputs are passed through as given. */
export function createFakePlatform(handlers: FakeHandlers = {}): FakePlatform {
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const calls: FakePlatform['calls'] = []
  const requestUnknown = async (route: string, input?: unknown): Promise<Envelope<unknown>> => {
    calls.push({ route, input })
    const handler = fake.handlers[route] as ((i: unknown) => unknown) | undefined
    if (!handler)
      return { ok: false, error: { code: 'not_found', message: `unknown route "${route}"` } }
    try {
      return { ok: true, data: await handler(input ?? {}) }
    } catch (err) {
      if (err instanceof FakeError)
        return { ok: false, error: { code: err.code, message: err.message, details: err.details } }
      return { ok: false, error: { code: 'internal_error', message: (err as Error).message } }
    }
  }
  const fake: FakePlatform = {
    kind: 'fake',
    calls,
    handlers,
    requestUnknown,
    statics: {},
    loadStatic: async (path) => fake.statics[path] ?? null,
    request: ((route: string, input?: unknown) =>
      requestUnknown(route, input)) as Platform['request'],
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      const entry = listener as (p: unknown) => void
      set.add(entry)
      return () => set.delete(entry)
    },
    emit(event, payload) {
      for (const l of [...(listeners.get(event) ?? [])]) l(payload)
    },
    listenerCount: (event) => listeners.get(event)?.size ?? 0
  }
  return fake
}
