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
  /** Shows a message; errors stay until dismissed, info disappears on the next one. */
  push(kind: Toast['kind'], message: string, code?: string): void
  error(error: ControlError, what?: string): void
  dismiss(id: number): void
}

export type ToastStore = StoreApi<ToastState>

/** The toast store. */
export function createToastStore(): ToastStore {
  let next = 1
  return createStore<ToastState>((set, get) => ({
    toasts: [],
    push(kind, message, code) {
      const kept = get()
        .toasts.filter((t) => t.kind === 'error')
        .slice(-4)
      set({ toasts: [...kept, { id: next++, kind, message, code }] })
    },
    error(error, what) {
      get().push('error', what ? `${what}: ${error.message}` : error.message, error.code)
    },
    dismiss(id) {
      set({ toasts: get().toasts.filter((t) => t.id !== id) })
    }
  }))
}
