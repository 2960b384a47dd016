/**
 * @module The chat requests being answered, so that shutdown can stop taking new ones, wait for
 * these through a grace period, and then end the rest with a `shutdown` error (listen.ts).
 */
import type { Cancellation } from '../cancel'
import { AppError } from '../errors'

export class InFlight {
  /** Set once shutdown starts: new requests are answered 503 `shutdown`. */
  draining = false
  private readonly runs = new Set<Cancellation>()
  private waiters: (() => void)[] = []

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
