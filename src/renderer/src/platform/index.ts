/** @module Picks the transport at start: preload's `window.api` in Electron, else HTTP. */
import type { Platform } from './client'
import { createHttpPlatform } from './http-client'
import { createIpcPlatform } from './ipc-client'

/** The platform for this page. */
export function createPlatform(win: Pick<Window, 'api'> = window): Platform {
  return win.api ? createIpcPlatform(win.api) : createHttpPlatform()
}

export type { Platform } from './client'
