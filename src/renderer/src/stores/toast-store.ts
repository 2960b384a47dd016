/** @module Messages for the person: errors carry the server's own message and code. */
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { ControlError } from '../../../shared/contract/errors'

export interface Toast {
  id: number
  kind: 'error' | 'info'
  message: string
  code?: string
}

export interface ToastState {
  toasts: Toast[]
  /** Shows a message; errors stay until dismissed, info goes after a few seconds or the next one. */
  push(kind: Toast['kind'], message: string, code?: string): void
  error(error: ControlError, what?: string): void
  dismiss(id: number): void
}

export type ToastStore = StoreApi<ToastState>

/** How long an info message stays (it would otherwise cover the page's own buttons). */
export const INFO_TOAST_MS = 6000

/** The toast store. */
export function createToastStore(opts: { infoMs?: number } = {}): ToastStore {
  let next = 1
  return createStore<ToastState>((set, get) => ({
    toasts: [],
    push(kind, message, code) {
      const kept = get()
        .toasts.filter((t) => t.kind === 'error')
        .slice(-4)
      const id = next++
      set({ toasts: [...kept, { id, kind, message, code }] })
      if (kind === 'info') setTimeout(() => get().dismiss(id), opts.infoMs ?? INFO_TOAST_MS)
    },
    error(error, what) {
      get().push('error', what ? `${what}: ${error.message}` : error.message, error.code)
    },
    dismiss(id) {
      set({ toasts: get().toasts.filter((t) => t.id !== id) })
    }
  }))
}
