/**
 * The IPC adapter with a fake ipcMain and fake windows. Catches a subframe or foreign page
 * reaching a handler, an error thrown into `handle` (its code lost), events sent before the page
 * listens (lost), and a file URL outside the app's folder being trusted.
 */
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '../../shared/contract/channels'
import { createEventHub } from './events'
import {
  type AppUrls,
  type FrameLike,
  type IpcEventLike,
  type IpcMainLike,
  type WebContentsLike,
  bindIpc,
  createEventBridge,
  isTrustedSender
} from './ipc'
import {
  type ControlFixture,
  controlFixture,
  echoComposition
} from '../../../tests/support/control-services'

const fixtures: ControlFixture[] = []
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.close()
})

/** The real handlers over an in-memory store, serving nothing yet. */
function realHandlers(): ControlFixture['handlers'] {
  const fixture = controlFixture()
  fixtures.push(fixture)
  return fixture.handlers
}

const APP: AppUrls = {
  rendererDir: 'file:///opt/llmnet/out/renderer/',
  devServer: 'http://localhost:5173'
}
const PAGE = 'file:///opt/llmnet/out/renderer/index.html'
const trusted = (url: string, main: boolean): boolean => isTrustedSender(url, main, APP)

type Listener = (event: IpcEventLike, ...args: unknown[]) => unknown

class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, Listener>()
  listeners = new Map<string, Set<Listener>>()
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
    this.handlers.set(channel, listener)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
  on(channel: string, listener: Listener): void {
    const set = this.listeners.get(channel) ?? new Set()
    set.add(listener)
    this.listeners.set(channel, set)
  }
  removeListener(channel: string, listener: (...args: never[]) => void): void {
    this.listeners.get(channel)?.delete(listener as Listener)
  }
  /** What Electron does for `ipcRenderer.invoke`: a rejection would reach the page as a string. */
  invoke(event: IpcEventLike, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(REQUEST_CHANNEL)
    if (!handler) throw new Error('no handler')
    return Promise.resolve(handler(event, ...args))
  }
  send(event: IpcEventLike, channel: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(channel) ?? []) l(event, ...args)
  }
}

class FakeWindow extends EventEmitter implements WebContentsLike {
  static next = 1
  id = FakeWindow.next++
  sent: unknown[][] = []
  destroyed = false
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args])
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  destroy(): void {
    this.destroyed = true
    this.emit('destroyed')
  }
}

function eventFrom(sender: FakeWindow, url: string, subframe = false): IpcEventLike {
  const top: FrameLike = { url: subframe ? PAGE : url, parent: null }
  return { sender, senderFrame: subframe ? { url, parent: top } : top }
}

describe('isTrustedSender', () => {
  it('trusts the top-level app page and the dev server, nothing else', () => {
    expect(trusted(PAGE, true)).toBe(true)
    expect(trusted('file:///opt/llmnet/out/renderer/nested/page.html#x', true)).toBe(true)
    expect(trusted('http://localhost:5173/', true)).toBe(true)
    expect(trusted(PAGE, false)).toBe(false) // a subframe, even of our own page
    expect(trusted('file:///opt/llmnet/out/renderer-evil/index.html', true)).toBe(false)
    expect(trusted('file:///opt/llmnet/out/renderer/../../../etc/passwd', true)).toBe(false)
    expect(trusted('file:///opt/llmnet/out/renderer/%2e%2e/x.html', true)).toBe(false)
    expect(trusted('file://evil-host/opt/llmnet/out/renderer/index.html', true)).toBe(false)
    expect(trusted('http://localhost:5174/', true)).toBe(false)
    expect(trusted('https://example.com/', true)).toBe(false)
    expect(trusted('not a url', true)).toBe(false)
    expect(isTrustedSender('http://localhost:5173/', true, { rendererDir: APP.rendererDir })).toBe(
      false
    )
  })
})

describe('bindIpc', () => {
  function setup() {
    const ipc = new FakeIpcMain()
    const hub = createEventHub()
    const unbind = bindIpc(ipc, realHandlers(), { isTrustedSender: trusted })
    return { ipc, hub, unbind, win: new FakeWindow() }
  }

  it('answers a trusted page with the envelope, over the one request channel', async () => {
    const { ipc, win } = setup()
    const saved = await ipc.invoke(eventFrom(win, PAGE), 'pipelines.save', {
      name: 'p',
      text: echoComposition('http://127.0.0.1:9'),
      format: 'json'
    })
    expect(saved).toEqual({ ok: true, data: { name: 'p', version: 1, diagnostics: [] } })
    const bad = await ipc.invoke(eventFrom(win, PAGE), 'pipelines.get', { name: 'has/slash' })
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', details: { issues: [{ path: ['name'] }] } }
    })
  })

  it('refuses a subframe and a foreign page before looking at the input', async () => {
    const { ipc, win } = setup()
    for (const event of [eventFrom(win, PAGE, true), eventFrom(win, 'https://example.com/')]) {
      const out = await ipc.invoke(event, 'secrets.set', { name: 'app.K', value: 'v' })
      expect(out).toMatchObject({ ok: false, error: { code: 'forbidden_host' } })
    }
    const list = await ipc.invoke(eventFrom(win, PAGE), 'secrets.list', {})
    expect(list).toMatchObject({ ok: true, data: { secrets: [] } })
    const gone = await ipc.invoke({ sender: win, senderFrame: null }, 'secrets.list', {})
    expect(gone).toMatchObject({ ok: false, error: { code: 'forbidden_host' } })
  })

  it('never rejects, even when the sender check itself throws', async () => {
    const ipc = new FakeIpcMain()
    bindIpc(ipc, realHandlers(), {
      isTrustedSender: () => {
        throw new Error('bad check')
      }
    })
    const out = await ipc.invoke(eventFrom(new FakeWindow(), PAGE), 'settings.get')
    expect(out).toMatchObject({ ok: false, error: { code: 'internal_error' } })
  })

  it('aborts the ctx signal when the window is destroyed', async () => {
    const ipc = new FakeIpcMain()
    let seen: AbortSignal | undefined
    const handlers = realHandlers()
    bindIpc(
      ipc,
      {
        ...handlers,
        'settings.get': (i, ctx) => ((seen = ctx.signal), handlers['settings.get'](i, ctx))
      },
      { isTrustedSender: trusted }
    )
    const win = new FakeWindow()
    await ipc.invoke(eventFrom(win, PAGE), 'settings.get')
    expect(seen?.aborted).toBe(false)
    win.destroy()
    expect(seen?.aborted).toBe(true)
  })

  it('unbinds', () => {
    const { ipc, unbind } = setup()
    unbind()
    expect(ipc.handlers.size).toBe(0)
  })
})

describe('createEventBridge', () => {
  it('queues events until the page says ready, then forwards them in order', async () => {
    const ipc = new FakeIpcMain()
    const hub = createEventHub()
    const bridge = createEventBridge(ipc, hub, { isTrustedSender: trusted })
    const win = new FakeWindow()
    bridge.attach(win)
    hub.emit('secret.changed', { name: 'A', state: 'set' })
    hub.emit('secret.changed', { name: 'B', state: 'deleted' })
    expect(win.sent).toEqual([])
    // A subframe's "ready" does not count.
    ipc.send(eventFrom(win, PAGE, true), EVENT_CHANNEL, 'ready')
    expect(win.sent).toEqual([])
    ipc.send(eventFrom(win, PAGE), EVENT_CHANNEL, 'ready')
    hub.emit('secret.changed', { name: 'C', state: 'set' })
    expect(win.sent.map((m) => [m[0], m[1], (m[2] as { name: string }).name])).toEqual([
      [EVENT_CHANNEL, 'secret.changed', 'A'],
      [EVENT_CHANNEL, 'secret.changed', 'B'],
      [EVENT_CHANNEL, 'secret.changed', 'C']
    ])
    // A reload: queue again until the new page is ready.
    win.emit('did-start-loading')
    hub.emit('secret.changed', { name: 'D', state: 'set' })
    expect(win.sent).toHaveLength(3)
    ipc.send(eventFrom(win, PAGE), EVENT_CHANNEL, 'ready')
    expect(win.sent).toHaveLength(4)
    bridge.dispose()
  })

  it('bounds the queue of a page that never gets ready and forgets destroyed windows', () => {
    const ipc = new FakeIpcMain()
    const hub = createEventHub()
    const bridge = createEventBridge(ipc, hub, { isTrustedSender: trusted, maxQueue: 2 })
    const win = new FakeWindow()
    bridge.attach(win)
    for (const name of ['A', 'B', 'C']) hub.emit('secret.changed', { name, state: 'set' })
    ipc.send(eventFrom(win, PAGE), EVENT_CHANNEL, 'ready')
    expect(win.sent.map((m) => (m[2] as { name: string }).name)).toEqual(['B', 'C'])
    win.destroy()
    hub.emit('secret.changed', { name: 'D', state: 'set' })
    expect(win.sent).toHaveLength(2)
  })
})
