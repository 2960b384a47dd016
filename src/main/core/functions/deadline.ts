/**
 * @module One AbortSignal per function call that fires on the function's timeout or when the
 * caller cancels, and remembers which of the two happened.
 */
import type { CancelSignal } from '../cancel'
import { DEFAULT_TIMEOUT_SECONDS, FunctionError } from './types'

// setTimeout's limit (about 24.8 days); longer timeouts are clamped.
const MAX_TIMER_MS = 2 ** 31 - 1

/** A running deadline; call {@link Deadline.dispose} when the call settles. */
export interface Deadline {
  readonly signal: AbortSignal
  readonly timeoutMs: number
  /** Seconds as configured, for messages. */
  readonly timeoutSeconds: number
  /** Milliseconds left before the timeout (≥ 0). */
  remainingMs(): number
  /** True once the timeout (not a cancellation) fired. */
  timedOut(): boolean
  /** The error to report once {@link signal} has fired: timeout or cancellation. */
  reason(): FunctionError
  dispose(): void
}

/** Starts a deadline of `timeoutSeconds` (default 30 s) linked to an optional cancel signal. */
export function startDeadline(timeoutSeconds: number | undefined, cancel?: CancelSignal): Deadline {
  const seconds = timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS
  const timeoutMs = Math.min(Math.max(1, Math.round(seconds * 1000)), MAX_TIMER_MS)
  const started = Date.now()
  const controller = new AbortController()
  let kind: 'timeout' | 'cancelled' | undefined
  const fire = (why: 'timeout' | 'cancelled'): void => {
    if (controller.signal.aborted) return
    kind = why
    controller.abort(
      new FunctionError(why === 'timeout' ? `timed out after ${seconds}s` : 'cancelled')
    )
  }
  const timer = setTimeout(() => fire('timeout'), timeoutMs)
  const onCancel = (): void => fire('cancelled')
  if (cancel?.aborted) fire('cancelled')
  else cancel?.addEventListener('abort', onCancel, { once: true })
  return {
    signal: controller.signal,
    timeoutMs,
    timeoutSeconds: seconds,
    remainingMs: () => Math.max(0, timeoutMs - (Date.now() - started)),
    timedOut: () => kind === 'timeout',
    reason: () =>
      new FunctionError(kind === 'cancelled' ? 'cancelled' : `timed out after ${seconds}s`),
    dispose: () => {
      clearTimeout(timer)
      cancel?.removeEventListener('abort', onCancel)
    }
  }
}
