/**
 * @module The requests being answered on every `/v1` route, one per server: the one admission
 * gate (`--max-concurrent N` admits N requests across chat completions, Responses, Messages,
 * completions and embeddings together), and what shutdown stops taking, waits for through a
 * grace period, and then ends with a `shutdown` error (listen.ts).
 */
import type { Cancellation } from '../cancel'
import { AppError } from '../errors'

export class InFlight {
  /** Set once shutdown starts: new requests are answered 503 `shutdown`. */
  draining = false
  private readonly runs = new Set<Cancellation>()
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
    return this.runs.size
  }

  add(run: Cancellation): void {
    this.runs.add(run)
  }

  /** Called when the request's response has closed (finished or cut). */
  delete(run: Cancellation): void {
    if (!this.runs.delete(run) || this.runs.size > 0 || this.waiters.length === 0) return
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  /** Resolves when no request is in flight, or after `ms`, whichever comes first. */
  idle(ms: number): Promise<void> {
    if (this.runs.size === 0) return Promise.resolve()
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
    for (const run of this.runs) run.abort(shuttingDown())
  }
}

/** The answer to a request that the stopping server will not (or no longer) serve. */
export function shuttingDown(): AppError {
  return new AppError('shutdown', 'the server is shutting down; retry the request later')
}
