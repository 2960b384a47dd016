/**
 * @module The renderer's one door to main: a `ControlClient` (typed by the contract) plus an
 * untyped call for routes the contract may not have yet (feature checks), and which transport
 * is in use. Stores receive a `Platform`; nothing else in the UI talks to main.
 */
import type { ControlClient } from '../../../shared/contract/client'
import type { ControlError, Envelope } from '../../../shared/contract/errors'

export interface Platform extends ControlClient {
  /** `ipc` inside Electron, `http` in a browser (`llmnet serve --ui`), `fake` in tests. */
  readonly kind: 'ipc' | 'http' | 'fake'
  /** Calls a route by name, without contract types: for routes that may not exist yet. */
  requestUnknown(route: string, input?: unknown): Promise<Envelope<unknown>>
  /** A JSON file served next to the page (e.g. `examples.json`), or null when there is none. */
  loadStatic(path: string): Promise<unknown>
}

/** Fetches a JSON file relative to the page; null when missing or not JSON. */
export async function fetchStaticJson(
  path: string,
  doFetch: typeof fetch = fetch
): Promise<unknown> {
  try {
    const res = await doFetch(path, { credentials: 'same-origin' })
    return res.ok ? await res.json() : null
  } catch {
    return null
  }
}

/** Whether an error says the route itself is missing (the dispatcher's "unknown route"). */
export function isUnknownRoute(error: ControlError): boolean {
  return error.code === 'not_found' && /unknown route|no route for/.test(error.message)
}

/** An error from a call that never reached a handler (network down, bad reply). */
export function transportError(message: string): { ok: false; error: ControlError } {
  return { ok: false, error: { code: 'internal_error', message } }
}
