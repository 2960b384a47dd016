/**
 * @module Cancellation without EventTarget: creating an AbortController per request measured as
 * the single largest cost of the request path. `CancelSignal` is the part of AbortSignal the
 * engine and providers use, so a real AbortSignal can be passed too.
 */

export interface CancelSignal {
  readonly aborted: boolean
  readonly reason?: unknown
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
}

/** A one-shot cancellation source. */
export class Cancellation implements CancelSignal {
  aborted = false
  reason: unknown
  private listeners: (() => void)[] | undefined

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return
    // A one-element literal, not a push onto []: that grows a 17-slot store per request.
    if (this.listeners) this.listeners.push(listener)
    else this.listeners = [listener]
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners?.indexOf(listener) ?? -1
    if (i >= 0) this.listeners?.splice(i, 1)
  }

  abort(reason?: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason ?? new Error('cancelled')
    const listeners = this.listeners ?? []
    this.listeners = undefined
    for (const l of listeners) l()
  }
}
