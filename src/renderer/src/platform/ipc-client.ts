/** @module The control API inside Electron: preload's `window.api`, plus the transport's name. */
import type { ControlClient } from '../../../shared/contract/client'
import type { Envelope } from '../../../shared/contract/errors'
import { type Platform, fetchStaticJson } from './client'

/** Wraps preload's client; unknown routes go through the same channel (main refuses them). */
export function createIpcPlatform(api: ControlClient): Platform {
  const untyped = api.request as unknown as (
    route: string,
    input?: unknown
  ) => Promise<Envelope<unknown>>
  return {
    kind: 'ipc',
    request: (route, ...input) => api.request(route, ...input),
    on: (event, listener) => api.on(event, listener),
    requestUnknown: (route, input) => untyped(route, input),
    loadStatic: (path) => fetchStaticJson(path)
  }
}
