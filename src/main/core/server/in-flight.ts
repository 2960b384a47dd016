/**
 * @module The requests being answered on every `/v1` route, one per server: the one admission
 * gate (`--max-concurrent N` admits N requests across chat completions, Responses, Messages,
 * completions and embeddings together), and what shutdown stops taking, waits for through a
 * grace period, and then ends with a `shutdown` error (listen.ts).
 */
import type { Cancellation } from '../cancel'
import { AppError } from '../errors'

/**
 * A request's place in the in-flight list. The list is linked through these entries rather than
 * kept in a Set: a Set must hash each new request object, which showed in CPU profiles of the
 * request path (docs/performance.md).
 */
export interface InFlightEntry {
  readonly run: Cancellation
}

class Entry implements InFlightEntry {
  prev: Entry | undefined = undefined
  next: Entry | undefined = undefined
  linked = true
  constructor(readonly run: Cancellation) {}
}

export class InFlight {
  /** Set once shutdown starts: new requests are answered 503 `shutdown`. */
  draining = false
  private head: Entry | undefined
  private count = 0
  private waiters: (() => void)[] = []
  private admitted = 0

  /** Requests admitted by {@link admit} and not yet released. */
  get active(): number {
    return this.admitted
  }

  /**
   * Admits one request of any `/v1` route: 503 `shutdown` while draining, 429 `rate_limited`
   * when `limit` requests are already being answered. Pair each admission with one
   * {@link release} when the route's work is done.
   */
  admit(limit: number): void {
    if (this.draining) throw shuttingDown()
    if (this.admitted >= limit) {
      throw new AppError(
        'rate_limited',
        `too many requests in flight (limit ${limit}); retry shortly`
      )
    }
    this.admitted++
  }

  release(): void {
    this.admitted--
  }

  get size(): number {
    return this.count
  }

  /** Adds a request; pass what it returns to {@link delete} when its response has closed. */
  add(run: Cancellation): InFlightEntry {
    const entry = new Entry(run)
    const head = this.head
    if (head) {
      entry.next = head
      head.prev = entry
    }
    this.head = entry
    this.count++
    return entry
  }

  /** Called when the request's response has closed (finished or cut); a second call is a no-op. */
  delete(handle: InFlightEntry): void {
    const entry = handle as Entry
    if (!entry.linked) return
    entry.linked = false
    const { prev, next } = entry
    if (prev) prev.next = next
    else this.head = next
    if (next) next.prev = prev
    entry.prev = entry.next = undefined
    this.count--
    if (this.count > 0 || this.waiters.length === 0) return
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  /** Resolves when no request is in flight, or after `ms`, whichever comes first. */
  idle(ms: number): Promise<void> {
    if (this.count === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.waiters.push(done)
    })
  }

  /** Cancels every request still running; each ends with this error (503 or an SSE error event). */
  abortAll(): void {
    // Each next entry is read before the abort, which may end its request at once.
    for (let e = this.head; e;) {
      const next = e.next
      e.run.abort(shuttingDown())
      e = next
    }
  }
}

/** The answer to a request that the stopping server will not (or no longer) serve. */
export function shuttingDown(): AppError {
  return new AppError('shutdown', 'the server is shutting down; retry the request later')
}
