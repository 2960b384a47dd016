/**
 * The shell's wiring against the fake electron module and the real handlers over an in-memory
 * store. Catches: a
 * second instance starting its own runtime, closing the window quitting the app (it should hide
 * to the tray), IPC served to any frame, a permission granted, links opened from any scheme or
 * host, the login item ignoring settings, and a quit that does not drain the runtime first.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  FakeBrowserWindow,
  FakeEvent,
  type FakeMenu,
  FakeTray,
  fake,
  resetFakeElectron
} from '../../../tests/support/fake-electron'
import { REQUEST_CHANNEL } from '../../shared/contract/channels'
import { type ControlFixture, controlFixture } from '../../../tests/support/control-services'
import { type ShellRuntime, type ShellRuntimeOptions, bootstrap } from './bootstrap'
import { utilityFork } from './utility-fork'

vi.mock('electron', async () => (await import('../../../tests/support/fake-electron')).fake)

interface Started {
  shell: NonNullable<ReturnType<typeof bootstrap>>
  runtime: ShellRuntime
  given: ShellRuntimeOptions[]
  log: string[]
  finishStop(): void
}

const fixtures: ControlFixture[] = []
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.close()
})

/** The real handlers and their event hub, over an in-memory store. */
function control(): ShellRuntime['control'] {
  const fixture = controlFixture()
  fixtures.push(fixture)
  return { handlers: fixture.handlers, hub: fixture.hub }
}

async function start(): Promise<Started> {
  const given: ShellRuntimeOptions[] = []
  const log: string[] = []
  let finishStop: () => void = () => undefined
  const runtime: ShellRuntime = {
    control: control(),
    start: async () => void log.push('start'),
    stop: (opts) => {
      log.push(`stop(${opts?.graceMs})`)
      return new Promise<void>((resolve) => (finishStop = resolve))
    }
  }
  const shell = bootstrap({
    createRuntime: (opts) => {
      given.push(opts)
      return runtime
    },
    graceMs: 1234
  })
  if (!shell) throw new Error('no lock')
  fake.app.becomeReady()
  await shell.ready
  return { shell, runtime, given, log, finishStop: () => finishStop() }
}

/** A checkout whose Electron copy of better-sqlite3 was built (scripts/build-native-electron.mjs). */
const appRoot = mkdtempSync(path.join(os.tmpdir(), 'llmnet-shell-'))
mkdirSync(path.join(appRoot, 'node_modules', '.llmnet-electron'), { recursive: true })
writeFileSync(path.join(appRoot, 'node_modules', '.llmnet-electron', 'better_sqlite3.node'), '')
afterAll(() => rmSync(appRoot, { recursive: true, force: true }))

beforeEach(() => {
  resetFakeElectron()
  fake.app.appPath = appRoot
})

describe('bootstrap', () => {
  it('creates the runtime in userData with utilityProcess workers and safeStorage', async () => {
    const s = await start()
    expect(s.given).toHaveLength(1)
    expect(s.given[0]).toMatchObject({
      dataDir: '/fake/userData',
      fork: utilityFork,
      nativeBinding: path.join(appRoot, 'node_modules', '.llmnet-electron', 'better_sqlite3.node')
    })
    expect(s.given[0]?.encryptor?.kind).toBe('electron-safe-storage')
    expect(typeof s.given[0]?.access.ask).toBe('function')
    expect(s.log).toEqual(['start'])
    const child = s.given[0]!.fork({ modulePath: '/app/out/main/llama-worker.mjs', execArgv: [] }, [
      '{"model":"m"}'
    ])
    expect(fake.utilityProcess.forked).toEqual([
      { modulePath: '/app/out/main/llama-worker.mjs', args: ['{"model":"m"}'] }
    ])
    expect(child.pid).toBeUndefined()
    expect(FakeTray.all).toHaveLength(1)
    expect(fake.Menu.applicationMenu).toBeDefined()
  })

  it('LLMNET_USER_DATA moves the data folder before the single-instance lock is taken', async () => {
    const given: ShellRuntimeOptions[] = []
    const shell = bootstrap({
      userData: '/tmp/llmnet-profile',
      createRuntime: (opts) => {
        given.push(opts)
        return {
          control: control(),
          start: async () => undefined,
          stop: async () => undefined
        }
      }
    })
    fake.app.becomeReady()
    await shell?.ready
    expect(given[0]?.dataDir).toBe('/tmp/llmnet-profile')
    expect(shell?.tray()?.alive()).toBe(true)
  })

  it('without better-sqlite3 built for Electron, says what to run and exits (no ABI crash later)', async () => {
    fake.app.appPath = path.join(appRoot, 'nowhere')
    const created: unknown[] = []
    const shell = bootstrap({ createRuntime: (opts) => (created.push(opts), undefined as never) })
    fake.app.becomeReady()
    await shell?.ready
    expect(created).toEqual([])
    expect(fake.dialog.errors[0]?.[1]).toContain('scripts/build-native-electron.mjs')
    expect(fake.app.exitCodes).toEqual([1])
  })

  it('a second instance quits at once; the first one focuses its window', async () => {
    const s = await start()
    const win = FakeBrowserWindow.all[0]!
    win.hide()
    win.minimized = true
    fake.app.emit('second-instance')
    expect(win).toMatchObject({ visible: true, minimized: false, focused: true })
    expect(FakeBrowserWindow.all).toHaveLength(1)
    expect(s.given).toHaveLength(1)

    resetFakeElectron()
    fake.app.gotLock = false
    expect(bootstrap({ createRuntime: () => s.runtime })).toBeUndefined()
    expect(fake.app.quitCalls).toBe(1)
    expect(FakeBrowserWindow.all).toHaveLength(0)
  })

  it('the window is hardened', async () => {
    await start()
    // The pages are laid out from 640 px wide.
    expect(FakeBrowserWindow.all[0]!.options).toMatchObject({ minWidth: 640, minHeight: 480 })
    const prefs = FakeBrowserWindow.all[0]!.options.webPreferences
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false
    })
  })

  it('closing the window hides it (the app stays in the tray); quitting drains, then closes it', async () => {
    const s = await start()
    const win = FakeBrowserWindow.all[0]!
    win.show()
    win.close()
    expect(win.destroyed).toBe(false)
    expect(win.visible).toBe(false)
    // The tray's "Open" brings it back.
    fake.app.emit('activate')
    expect(win.visible).toBe(true)

    fake.app.quit()
    expect(s.log).toEqual(['start', 'stop(1234)'])
    expect(win.destroyed).toBe(false)
    const closed = new Promise<void>((resolve) => win.once('closed', resolve))
    s.finishStop()
    await closed
    expect(fake.app.quitCalls).toBe(2)
    expect(s.shell.quit.state).toBe('stopped')
  })

  it('IPC is bound with isTrustedSender for the app renderer: a foreign frame is refused', async () => {
    await start()
    const handle = fake.ipcMain.handlers.get(REQUEST_CHANNEL) as unknown as (
      event: unknown,
      ...args: unknown[]
    ) => Promise<{ ok: boolean; error?: { code: string } }>
    const wc = FakeBrowserWindow.all[0]!.webContents
    const frame = (url: string) => ({ sender: wc, senderFrame: { url, parent: null } })
    const own = await handle(frame(wc.getURL()), 'server.status', undefined)
    expect(wc.getURL()).toMatch(/^file:\/\/.*\/renderer\/index\.html$/)
    expect(own.ok).toBe(true)
    const foreign = await handle(frame('https://evil.example/'), 'server.status', undefined)
    expect(foreign).toMatchObject({ ok: false, error: { code: 'forbidden_host' } })
    const sub = await handle(
      { sender: wc, senderFrame: { url: wc.getURL(), parent: { url: wc.getURL(), parent: null } } },
      'server.status',
      undefined
    )
    expect(sub.ok).toBe(false)
  })

  it('the app page may write the clipboard (Copy buttons); every other permission is denied', async () => {
    await start()
    const s = fake.session.defaultSession
    const page = FakeBrowserWindow.all[0]!.webContents.getURL()
    expect(await s.requestPermission('clipboard-sanitized-write', page)).toBe(true)
    expect(s.checkPermission('clipboard-sanitized-write', page)).toBe(true)
    expect(await s.requestPermission('media', page)).toBe(false)
    expect(await s.requestPermission('notifications', page)).toBe(false)
    expect(s.checkPermission('clipboard-read', page)).toBe(false)
    expect(await s.requestPermission('clipboard-sanitized-write', 'https://evil.example/')).toBe(
      false
    )
  })

  it('links: known https hosts open, other https asks, other schemes never; no navigation away', async () => {
    await start()
    const wc = FakeBrowserWindow.all[0]!.webContents
    const open = (url: string) => wc.windowOpenHandler?.({ url })
    expect(open('https://huggingface.co/TheBloke')).toEqual({ action: 'deny' })
    expect(open('http://huggingface.co/')).toEqual({ action: 'deny' })
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' })
    fake.dialog.response = 1
    open('https://unknown.example/')
    await vi.waitFor(() => expect(fake.dialog.boxes).toHaveLength(1))
    expect(fake.shell.opened).toEqual(['https://huggingface.co/TheBloke'])

    const nav = new FakeEvent()
    wc.emit('will-navigate', nav, 'https://evil.example/')
    expect(nav.defaultPrevented).toBe(true)
    const inApp = new FakeEvent()
    wc.emit('will-navigate', inApp, wc.getURL())
    expect(inApp.defaultPrevented).toBe(false)
    const webview = new FakeEvent()
    wc.emit('will-attach-webview', webview)
    expect(webview.defaultPrevented).toBe(true)
  })

  it('start on login follows the settings (macOS and Windows)', async () => {
    const platform = vi.spyOn(process, 'platform', 'get').mockReturnValue('darwin')
    try {
      const s = await start()
      expect(fake.app.loginItemCalls).toEqual([])
      const ctx = { transport: 'ipc' as const, signal: new AbortController().signal }
      await s.runtime.control.handlers['settings.set']({ app: { openAtLogin: true } }, ctx)
      expect(fake.app.loginItemCalls).toEqual([{ openAtLogin: true }])
      await s.runtime.control.handlers['settings.set']({ app: { openAtLogin: false } }, ctx)
      expect(fake.app.loginItemCalls).toEqual([{ openAtLogin: true }, { openAtLogin: false }])
    } finally {
      platform.mockRestore()
    }
  })

  it('a runtime that cannot start (data folder locked) is reported and the app exits', async () => {
    const shell = bootstrap({
      createRuntime: () => ({
        control: control(),
        start: () => Promise.reject(new Error('another llmnet uses /fake/userData')),
        stop: async () => undefined
      })
    })
    fake.app.becomeReady()
    await shell?.ready
    expect(fake.dialog.errors).toEqual([
      ['llmnet could not start', 'another llmnet uses /fake/userData']
    ])
    expect(fake.app.exitCodes).toEqual([1])
  })

  it('on Linux without a keyring (basic_text) secrets use the key file, and the user is told on the window', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const platform = vi.spyOn(process, 'platform', 'get').mockReturnValue('linux')
    try {
      fake.safeStorage.backend = 'basic_text'
      const s = await start()
      // safeStorage is unavailable here (real Electron: false unless plain text was forced).
      expect(s.given[0]?.encryptor).toBeUndefined()
      expect(warn.mock.calls.flat().join(' ')).toMatch(/No keyring was found.*key file/)
      await vi.waitFor(() => expect(FakeBrowserWindow.all[0]!.visible).toBe(true))
      expect(fake.dialog.boxes.map((b) => b.message).join(' ')).toMatch(/No keyring was found/)
    } finally {
      platform.mockRestore()
      warn.mockRestore()
    }
  })

  it('with a keyring on Linux, safeStorage encrypts and no warning is shown', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const platform = vi.spyOn(process, 'platform', 'get').mockReturnValue('linux')
    try {
      const s = await start()
      expect(s.given[0]?.encryptor?.kind).toBe('electron-safe-storage')
      expect(warn).not.toHaveBeenCalled()
    } finally {
      platform.mockRestore()
      warn.mockRestore()
    }
  })

  it('secrets saved under another scheme are named to the user, not left to fail later', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      const shell = bootstrap({
        createRuntime: () => ({
          control: control(),
          start: async () => undefined,
          stop: async () => undefined,
          store: {
            secrets: {
              kind: 'electron-safe-storage',
              list: () => [
                { key: 'openrouter.API_KEY', kind: 'aes-256-gcm' },
                { key: 'vault.TOKEN', kind: 'electron-safe-storage' }
              ]
            }
          }
        })
      })
      fake.app.becomeReady()
      await shell?.ready
      expect(warn.mock.calls.flat().join(' ')).toMatch(
        /1 stored secret\(s\) \(openrouter\.API_KEY\) were saved with aes-256-gcm/
      )
      await vi.waitFor(() =>
        expect(fake.dialog.boxes.at(-1)?.message).toMatch(/openrouter\.API_KEY/)
      )
    } finally {
      warn.mockRestore()
    }
  })

  it('activating the tray icon opens the window on Linux and Windows; on macOS it opens the menu', async () => {
    for (const os of ['linux', 'win32', 'darwin'] as const) {
      resetFakeElectron()
      fake.app.appPath = appRoot
      const platform = vi.spyOn(process, 'platform', 'get').mockReturnValue(os)
      try {
        await start()
        const win = FakeBrowserWindow.all[0]!
        const tray = FakeTray.all[0]!
        await vi.waitFor(() => expect(tray.menu).toBeDefined())
        // A Linux tray is only shown once it has a context menu (tray.md).
        expect(tray.shown, os).toBe(true)
        win.hide()
        tray.activate()
        expect(win.visible, os).toBe(os !== 'darwin')
      } finally {
        platform.mockRestore()
      }
    }
  })

  it('a failed tray action is reported in a box on the window, never a blocking error box', async () => {
    const s = await start()
    s.runtime.control.handlers['server.start'] = async () => {
      throw new Error('port 8080 is in use')
    }
    const tray = FakeTray.all[0]!
    await vi.waitFor(() => expect(tray.menu).toBeDefined())
    const walk = (items: FakeMenu['template']): FakeMenu['template'][number] | undefined =>
      items.find((i) => i.id === 'server-start') ??
      items.map((i) => walk(i.submenu ?? [])).find(Boolean)
    walk(tray.menu!.template)?.click?.(undefined as never, undefined, undefined as never)
    await vi.waitFor(() =>
      expect(fake.dialog.boxes.at(-1)).toMatchObject({
        type: 'error',
        message: 'server.start failed',
        detail: 'port 8080 is in use'
      })
    )
    expect(fake.dialog.errors).toEqual([])
  })
})
