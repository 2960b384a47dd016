/** @module One way for stores to call a route: the data, or null after showing the error. */
import type { RequestArgs } from '../../../shared/contract/client'
import type { OutputOf, RouteName } from '../../../shared/contract/routes'
import type { Platform } from '../platform/client'
import type { ToastStore } from './toast-store'

export interface StoreDeps {
  platform: Platform
  toasts: ToastStore
}

/** Calls a route; on failure shows the server's message (prefixed by `what`) and returns null. */
export async function call<R extends RouteName>(
  deps: StoreDeps,
  what: string,
  route: R,
  ...input: RequestArgs<R>
): Promise<OutputOf<R> | null> {
  const res = await deps.platform.request(route, ...input)
  if (res.ok) return res.data
  deps.toasts.getState().error(res.error, what)
  return null
}
