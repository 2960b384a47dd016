/** @module Messages for the person: errors carry the server's own message and code. */
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { ControlError } from '../../../shared/contract/errors'

export interface Toast {
  id: number
  kind: 'error' | 'info'
  message: string
  code?: string
  /** What the message is about: a newer message on the same topic replaces it. */
  topic?: string
}

export interface ToastState {
  toasts: Toast[]
  /**
   * Shows a message. An identical one already shown is not repeated; one on the same `topic`
   * (an old "Could not save" when "Saved" arrives) is replaced. Both kinds go by themselves.
   */
  push(kind: Toast['kind'], message: string, code?: string, topic?: string): void
  error(error: ControlError, what?: string, topic?: string): void
  dismiss(id: number): void
}

export type ToastStore = StoreApi<ToastState>

/** How long an info message stays (it would otherwise cover the page's own buttons). */
export const INFO_TOAST_MS = 6000
/** How long an error stays: long enough to read and copy, not for ever. */
export const ERROR_TOAST_MS = 15000

/** The toast store. */
export function createToastStore(opts: { infoMs?: number; errorMs?: number } = {}): ToastStore {
  let next = 1
  return createStore<ToastState>((set, get) => ({
    toasts: [],
    push(kind, message, code, topic) {
      const same = (t: Toast): boolean =>
        (topic !== undefined && t.topic === topic) ||
        (t.kind === kind && t.message === message && t.code === code)
      const kept = get()
        .toasts.filter((t) => t.kind === 'error' && !same(t))
        .slice(-3)
      const id = next++
      set({ toasts: [...kept, { id, kind, message, code, topic }] })
      const ms = kind === 'info' ? (opts.infoMs ?? INFO_TOAST_MS) : (opts.errorMs ?? ERROR_TOAST_MS)
      setTimeout(() => get().dismiss(id), ms)
    },
    error(error, what, topic) {
      get().push(
        'error',
        what ? `${what}: ${error.message}` : error.message,
        error.code,
        topic ?? what
      )
    },
    dismiss(id) {
      if (get().toasts.some((t) => t.id === id))
        set({ toasts: get().toasts.filter((t) => t.id !== id) })
    }
  }))
}
