/**
 * @module The control API over Electron IPC, without importing Electron: `ipcMain` and web
 * contents come in as the small interfaces below. One request channel (`bindIpc`), one event
 * channel (`createEventBridge`); the sending frame is checked before anything else.
 */
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '../../shared/contract/channels'
import type { Envelope } from '../../shared/contract/errors'
import type { ContractHandlers } from '../../shared/contract/handlers'
import { type DispatchOptions, dispatch, toControlError } from './dispatch'
import type { ControlEventSource } from './events'

/** The parts of Electron's WebFrameMain we read. */
export interface FrameLike {
  url: string
  /** Null for a top-level frame. */
  parent: FrameLike | null
}

/** The parts of Electron's WebContents we use. */
export interface WebContentsLike {
  id: number
  send(channel: string, ...args: unknown[]): void
  isDestroyed(): boolean
  once(event: 'destroyed', listener: () => void): unknown
  on(event: 'did-start-loading', listener: () => void): unknown
}

export interface IpcEventLike {
  /** Null when the frame navigated away or was destroyed before the message arrived. */
  senderFrame: FrameLike | null
  sender: WebContentsLike
}

/** The parts of Electron's ipcMain we use. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void
  removeHandler(channel: string): void
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (...args: never[]) => void): unknown
}

/** Where the app's own pages live. */
export interface AppUrls {
  /** `file:` URL of the built renderer's folder, e.g. `file:///opt/llmnet/out/renderer/`. */
  rendererDir: string
  /** The dev server (`http://localhost:5173`) in development, else undefined. */
  devServer?: string
}

/**
 * Whether a message comes from the app's own top-level page: a `file:` URL inside the
 * renderer's folder, or the dev server's origin. Subframes and anything else are refused.
 */
export function isTrustedSender(frameUrl: string, isMainFrame: boolean, app: AppUrls): boolean {
  if (!isMainFrame) return false
  const url = parseUrl(frameUrl)
  if (!url) return false
  if (app.devServer) {
    const dev = parseUrl(app.devServer)
    if (dev && dev.origin !== 'null' && url.origin === dev.origin) return true
  }
  const dir = parseUrl(app.rendererDir)
  if (url.protocol !== 'file:' || !dir || dir.protocol !== 'file:') return false
  // URL parsing has already resolved `..` and `%2e%2e`; a host would be a UNC share.
  const base = dir.pathname.endsWith('/') ? dir.pathname : `${dir.pathname}/`
  return url.host === '' && dir.host === '' && url.pathname.startsWith(base)
}

export interface BindIpcOptions extends DispatchOptions {
  /** Usually `(url, main) => isTrustedSender(url, main, appUrls)`. */
  isTrustedSender: (frameUrl: string, isMainFrame: boolean) => boolean
}

/** Serves the handlers on the request channel; returns the function that unbinds them. */
export function bindIpc(
  ipcMain: IpcMainLike,
  handlers: ContractHandlers,
  options: BindIpcOptions
): () => void {
  const signals = new Map<number, AbortSignal>()
  // One signal per window, aborted when it is destroyed (its requests' caller is gone).
  const signalFor = (sender: WebContentsLike): AbortSignal => {
    let signal = signals.get(sender.id)
    if (!signal) {
      const controller = new AbortController()
      signal = controller.signal
      signals.set(sender.id, signal)
      sender.once('destroyed', () => {
        signals.delete(sender.id)
        controller.abort()
      })
    }
    return signal
  }
  ipcMain.handle(REQUEST_CHANNEL, async (event, route, input): Promise<Envelope<unknown>> => {
    // Never throw into handle: Electron would turn the error into a bare string.
    try {
      if (!senderIsTrusted(event, options.isTrustedSender)) {
        return {
          ok: false,
          error: { code: 'forbidden_host', message: 'the request came from an untrusted frame' }
        }
      }
      const ctx = { transport: 'ipc' as const, signal: signalFor(event.sender) }
      return await dispatch(handlers, route, input, ctx, options)
    } catch (err) {
      return { ok: false, error: toControlError(err, String(route), options) }
    }
  })
  return () => ipcMain.removeHandler(REQUEST_CHANNEL)
}

function senderIsTrusted(
  event: IpcEventLike,
  check: (frameUrl: string, isMainFrame: boolean) => boolean
): boolean {
  const frame = event.senderFrame
  return frame !== null && check(frame.url, frame.parent === null)
}

export interface EventBridgeOptions {
  isTrustedSender: (frameUrl: string, isMainFrame: boolean) => boolean
  /** Events kept per window until it is ready; the oldest go first. Default 1000. */
  maxQueue?: number
}

export interface EventBridge {
  /** Starts forwarding to a window; events queue until its page sends `ready`. */
  attach(webContents: WebContentsLike): void
  dispose(): void
}

/**
 * Forwards every contract event to the attached windows on the event channel. A page says it is
 * ready (preload sends `ready` on the event channel at its first subscription); until then, and
 * again after each reload, its events wait in a bounded queue.
 */
export function createEventBridge(
  ipcMain: IpcMainLike,
  source: ControlEventSource,
  options: EventBridgeOptions
): EventBridge {
  const maxQueue = options.maxQueue ?? 1000
  const windows = new Map<number, { wc: WebContentsLike; ready: boolean; queue: unknown[][] }>()

  const deliver = (wc: WebContentsLike, args: unknown[]): void => {
    if (!wc.isDestroyed()) wc.send(EVENT_CHANNEL, ...args)
  }
  const unsubscribe = source.subscribe((event, payload) => {
    for (const win of windows.values()) {
      if (win.ready) deliver(win.wc, [event, payload])
      else {
        win.queue.push([event, payload])
        if (win.queue.length > maxQueue) win.queue.shift()
      }
    }
  })
  const onReady = (event: IpcEventLike, message: unknown): void => {
    const win = windows.get(event.sender.id)
    if (message !== 'ready' || !win || !senderIsTrusted(event, options.isTrustedSender)) return
    win.ready = true
    const queued = win.queue.splice(0)
    for (const args of queued) deliver(win.wc, args)
  }
  ipcMain.on(EVENT_CHANNEL, onReady)

  return {
    attach(wc) {
      if (windows.has(wc.id)) return
      windows.set(wc.id, { wc, ready: false, queue: [] })
      wc.on('did-start-loading', () => {
        const win = windows.get(wc.id)
        if (win) win.ready = false
      })
      wc.once('destroyed', () => windows.delete(wc.id))
    },
    dispose() {
      unsubscribe()
      ipcMain.removeListener(EVENT_CHANNEL, onReady)
      windows.clear()
    }
  }
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text)
  } catch {
    return null
  }
}
