import type { ControlClient } from '../shared/contract/client'

/** `window.api`: the control API over IPC (see src/preload/index.ts). */
export type PreloadApi = ControlClient

declare global {
  interface Window {
    api?: PreloadApi
  }
}
