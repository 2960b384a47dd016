/**
 * @module The control API over HTTP, for the renderer served by `llmnet serve --ui`: `POST
 * /api/<route>` answers the envelope, `GET /api/events` streams events as SSE. Auth is the
 * session cookie set by the `/?token=` exchange plus the session's key, which that exchange puts
 * in the address's fragment: the page moves it into this tab's sessionStorage (same origin and
 * port only, unlike a cookie) and sends it in `x-llmnet-session` on every call and as `?session=`
 * on the event stream (EventSource sends no headers).
 */
import type { EventName, EventPayload } from '../../../shared/contract/events'
import type { Envelope } from '../../../shared/contract/errors'
import { type Platform, fetchStaticJson, transportError } from './client'

type Listener = (payload: unknown) => void

export interface HttpPlatformOptions {
  /** Where `/api` lives; default: this page's origin. */
  baseUrl?: string
  fetch?: typeof fetch
  /** The session's key; default: {@link takeSessionKey} on this page. */
  sessionKey?: string
  /** Builds the event stream; injectable so tests can feed frames. */
  eventSource?: (url: string) => EventSourceLike
}

/** The part of `EventSource` this client uses. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (e: { data: string }) => void): void
  close(): void
}

const SESSION_HEADER = 'x-llmnet-session'
const STORAGE_KEY = 'llmnet.session'

/**
 * The session key the token exchange left in the address (`#session=…`), moved into this tab's
 * sessionStorage and out of the address bar; on a reload, the stored one.
 */
export function takeSessionKey(
  win: Pick<Window, 'location' | 'history' | 'sessionStorage'> | undefined = globalThis.window
): string | undefined {
  if (!win) return undefined
  const fromHash = /^#session=([\w-]+)$/.exec(win.location.hash)?.[1]
  try {
    if (fromHash) {
      win.sessionStorage.setItem(STORAGE_KEY, fromHash)
      win.history.replaceState(null, '', win.location.pathname + win.location.search)
      return fromHash
    }
    return win.sessionStorage.getItem(STORAGE_KEY) ?? undefined
  } catch {
    return fromHash // storage disabled: the key lives as long as this page
  }
}

/** A `Platform` over fetch and one shared EventSource, opened on the first subscription. */
export function createHttpPlatform(opts: HttpPlatformOptions = {}): Platform {
  const base = (opts.baseUrl ?? '').replace(/\/$/, '')
  const doFetch = opts.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args))
  const key = 'sessionKey' in opts ? opts.sessionKey : takeSessionKey()
  const listeners = new Map<string, Set<Listener>>()
  let source: EventSourceLike | null = null
  const subscribed = new Set<string>()

  const open = (): EventSourceLike => {
    source ??= (
      opts.eventSource ??
      ((url) => new EventSource(url, { withCredentials: true }) as EventSourceLike)
    )(`${base}/api/events${key ? `?session=${encodeURIComponent(key)}` : ''}`)
    return source
  }

  const requestUnknown = async (route: string, input?: unknown): Promise<Envelope<unknown>> => {
    let res: Response
    try {
      res = await doFetch(`${base}/api/${encodeURIComponent(route)}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'content-type': 'application/json',
          ...(key ? { [SESSION_HEADER]: key } : {})
        },
        body: JSON.stringify(input ?? {})
      })
    } catch (err) {
      return transportError(`cannot reach the llmnet server: ${(err as Error).message}`)
    }
    try {
      const body = (await res.json()) as Envelope<unknown>
      if (body && typeof body === 'object' && 'ok' in body) return body
    } catch {
      // Not JSON: fall through to a message naming the HTTP status.
    }
    return transportError(`the server answered HTTP ${res.status} without a result`)
  }

  return {
    kind: 'http',
    requestUnknown,
    loadStatic: (path) => fetchStaticJson(`${base}/${path.replace(/^\//, '')}`, doFetch),
    request: ((route: string, input?: unknown) =>
      requestUnknown(route, input)) as Platform['request'],
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      const entry = listener as Listener
      set.add(entry)
      const es = open()
      if (!subscribed.has(event)) {
        subscribed.add(event)
        es.addEventListener(event, (e) => {
          let payload: unknown
          try {
            payload = JSON.parse(e.data)
          } catch {
            return
          }
          for (const l of listeners.get(event) ?? []) l(payload)
        })
      }
      return () => {
        set.delete(entry)
      }
    }
  }
}
