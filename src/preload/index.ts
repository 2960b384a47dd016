/**
 * Exposes only `request(route, input)` and `on(event, cb)` over the two contract channels; never
 * ipcRenderer itself. Main checks the sending frame and parses every input.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '../shared/contract/channels'
import type { ControlClient } from '../shared/contract/client'

type Listener = (payload: unknown) => void
const listeners = new Map<string, Set<Listener>>()
let attached = false

// One ipcRenderer listener for all events; the first subscription tells main this page is ready,
// and main then sends what it queued meanwhile.
function attach(): void {
  if (attached) return
  attached = true
  ipcRenderer.on(EVENT_CHANNEL, (_e, event: unknown, payload: unknown) => {
    for (const listener of listeners.get(String(event)) ?? []) {
      try {
        listener(payload)
      } catch (err) {
        console.error(`listener of ${String(event)} failed`, err)
      }
    }
  })
  ipcRenderer.send(EVENT_CHANNEL, 'ready')
}

const api: ControlClient = {
  request: (route, ...input) => ipcRenderer.invoke(REQUEST_CHANNEL, route, input[0]),
  on: (event, listener) => {
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    const entry = listener as Listener
    set.add(entry)
    attach()
    return () => {
      set.delete(entry)
    }
  }
}

contextBridge.exposeInMainWorld('api', api)
