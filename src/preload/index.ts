// Exposes only `request` and `on` over the two contract channels; never ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron'
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '../shared/contract/channels'

contextBridge.exposeInMainWorld('api', {
  request: (route: string, input: unknown): Promise<unknown> =>
    ipcRenderer.invoke(REQUEST_CHANNEL, route, input),
  on: (listener: (event: string, payload: unknown) => void): (() => void) => {
    const handler = (_e: unknown, event: string, payload: unknown): void => listener(event, payload)
    ipcRenderer.on(EVENT_CHANNEL, handler)
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler)
  }
})
