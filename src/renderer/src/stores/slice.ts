/**
 * @module What a store's action builders receive: a store whose `createStore` closure would run
 * past 100 lines is split into one builder per concern, each `(ctx) => ({ ...actions })`, spread
 * together in the closure.
 */
import type { StoreApi } from 'zustand/vanilla'
import type { StoreDeps } from './call'

/** The store's `set` and `get` and the platform and toasts, passed to each action builder. */
export interface SliceCtx<S> {
  set: StoreApi<S>['setState']
  get: StoreApi<S>['getState']
  deps: StoreDeps
}
