/**
 * @module The Electron shell's wiring: one instance, the runtime in `userData` with model workers
 * in utilityProcess and secrets in safeStorage, the hardened window, IPC, the tray, the menu, the
 * login item and a bounded quit. Everything it decides is in the small modules beside it.
 */
import { join } from 'node:path'
import { type BrowserWindow, app, dialog, ipcMain, safeStorage, session, shell } from 'electron'
import type { ContractHandlers } from '../../shared/contract/handlers'
import type { Settings } from '../../shared/contract/settings'
import type { AskUser } from '../core/access/access-policy'
import type { ForkLike } from '../core/local/worker-fork'
import { type Encryptor, safeStorageEncryptor } from '../core/storage/encryption'
import type { EventHub } from '../control/events'
import { type IpcMainLike, bindIpc, createEventBridge, isTrustedSender } from '../control/ipc'
import { askOnWindow, dialogAsk } from './access-prompt'
import { QuitSequence } from './lifecycle'
import { applyLoginItem, startedAtLogin } from './login-item'
import { installAppMenu } from './menu'
import { type GuardedContents, appPermissions, guardContents } from './security'
import { electronNativeBinding, missingNativeBindingMessage } from '../core/storage/native-binding'
import { type AppTray, createAppTray } from './tray'
import { utilityFork } from './utility-fork'
import { appUrls, createMainWindow, revealWindow } from './window'

/** What the shell needs from the runtime (`AppRuntime` in runtime.ts). */
export interface ShellRuntime {
  control: { handlers: ContractHandlers; hub: EventHub }
  start(): Promise<unknown>
  stop(opts?: { graceMs?: number }): Promise<void>
  /** The stored secrets' encryption, to warn when some were saved under another scheme. */
  store?: { secrets: { readonly kind: string; list(): readonly { key: string; kind: string }[] } }
}

/** What the shell gives the runtime (`createAppRuntime`'s options). */
export interface ShellRuntimeOptions {
  dataDir: string
  fork: ForkLike
  encryptor?: Encryptor
  /** The prompt for unknown app tokens; the runtime's AccessPolicy decides when to ask. */
  access: { ask: AskUser }
  /** better-sqlite3 built for Electron's ABI (the packaged or the development copy). */
  nativeBinding: string
}

export interface BootstrapOptions {
  /** Opens the data folder (it may refuse: another llmnet holds it, or the database is corrupt). */
  createRuntime(opts: ShellRuntimeOptions): ShellRuntime | Promise<ShellRuntime>
  /** Given to `runtime.stop` on quit (default 5 s). */
  graceMs?: number
  /** After this the app exits whatever is still running (default 10 s). */
  deadlineMs?: number
  /** Another data folder than Electron's `userData` (LLMNET_USER_DATA: tests, a second profile). */
  userData?: string
}

/** The running shell, for tests. */
export interface Shell {
  ready: Promise<void>
  quit: QuitSequence
  window(): BrowserWindow | undefined
  tray(): AppTray | undefined
}

/** Starts the desktop app; returns undefined when another instance already runs. */
export function bootstrap(opts: BootstrapOptions): Shell | undefined {
  // Before the lock: the single-instance lock belongs to the userData folder.
  if (opts.userData) app.setPath('userData', opts.userData)
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return undefined
  }
  const urls = appUrls(app.isPackaged)
  const trusted = (url: string, main: boolean): boolean => isTrustedSender(url, main, urls)
  let runtime: ShellRuntime | undefined
  let win: BrowserWindow | undefined
  let bridge: ReturnType<typeof createEventBridge> | undefined
  let tray: AppTray | undefined

  const quit = new QuitSequence({
    stopRuntime: async (graceMs) => runtime?.stop({ graceMs }),
    quit: () => app.quit(),
    exit: (code) => app.exit(code),
    graceMs: opts.graceMs ?? 5000,
    deadlineMs: opts.deadlineMs ?? 10_000,
    onProblem: (message, err) => console.error(`llmnet: ${message}`, err ?? '')
  })
  app.on('before-quit', (event) => quit.onBeforeQuit(event))
  // With a listener here Electron no longer quits when the last window closes: the tray stays.
  app.on('window-all-closed', () => undefined)

  // Warnings for the user (secrets storage), shown on the window once it is visible.
  const notices: string[] = []
  const showNotices = (shown: BrowserWindow): void => {
    for (const text of notices.splice(0)) {
      void askOnWindow(() => shown, { type: 'warning', title: 'llmnet', message: text })
    }
  }
  const openWindow = (): BrowserWindow => {
    if (!win || win.isDestroyed()) win = newWindow(true)
    revealWindow(win)
    return win
  }
  const newWindow = (show: boolean): BrowserWindow => {
    const created = createMainWindow({ urls, show, isQuitting: () => quit.isQuitting })
    created.on('show', () => showNotices(created))
    bridge?.attach(created.webContents)
    return created
  }
  app.on('second-instance', () => {
    if (app.isReady()) openWindow()
  })
  app.on('activate', () => {
    if (app.isReady()) openWindow()
  })
  // Every message box below has the window as parent (access-prompt.ts): none may block.
  app.on('web-contents-created', (_event, contents) => {
    guardContents(contents as unknown as GuardedContents, {
      isAppUrl: (url) => trusted(url, true),
      openExternal: (url) => void shell.openExternal(url),
      confirmExternal: async (url) =>
        (await askOnWindow(openWindow, {
          type: 'question',
          message: 'Open this link in your browser?',
          detail: url,
          buttons: ['Open', 'Cancel'],
          defaultId: 1,
          cancelId: 1
        })) === 0
    })
  })

  const ready = app.whenReady().then(async () => {
    appPermissions(session.defaultSession, (url) => trusted(url, true))
    const places = { appRoot: app.getAppPath(), resourcesPath: process.resourcesPath }
    const nativeBinding = electronNativeBinding(places)
    if (!nativeBinding) {
      dialog.showErrorBox(
        'llmnet could not start',
        missingNativeBindingMessage({ ...places, isPackaged: app.isPackaged })
      )
      app.exit(1)
      return
    }
    const secrets = desktopEncryptor(process.platform)
    if (secrets.notice) notices.push(secrets.notice)
    try {
      runtime = await opts.createRuntime({
        nativeBinding,
        dataDir: app.getPath('userData'),
        fork: utilityFork,
        encryptor: secrets.encryptor,
        access: { ask: dialogAsk(openWindow) }
      })
      await runtime.start()
      const unreadable = unreadableSecrets(runtime)
      if (unreadable) notices.push(unreadable)
    } catch (err) {
      dialog.showErrorBox('llmnet could not start', (err as Error).message)
      app.exit(1)
      return
    }
    const { handlers, hub } = runtime.control
    const ipc = ipcMain as unknown as IpcMainLike
    bindIpc(ipc, handlers, { isTrustedSender: trusted })
    bridge = createEventBridge(ipc, hub, { isTrustedSender: trusted })
    for (const text of notices) console.warn(`llmnet: ${text}`)
    win = newWindow(!startedAtLogin(app))
    installAppMenu({
      platform: process.platform,
      appName: app.getName(),
      isPackaged: app.isPackaged,
      openWindow,
      openExternal: (url) => void shell.openExternal(url)
    })
    tray = createAppTray({
      handlers,
      events: hub,
      iconDir: join(app.getAppPath(), 'resources', 'tray'),
      openWindow,
      quit: () => app.quit(),
      onError: (action, err) =>
        void askOnWindow(openWindow, {
          type: 'error',
          title: 'llmnet',
          message: `${action.type} failed`,
          detail: (err as Error).message,
          buttons: ['OK']
        })
    })
    const ctx = { transport: 'ipc' as const, signal: new AbortController().signal }
    const applyLogin = (settings: Settings): void => {
      if (!applyLoginItem(app, settings.app.openAtLogin) && settings.app.openAtLogin) {
        console.warn('llmnet: start on login is not supported on this platform')
      }
    }
    applyLogin(await handlers['settings.get']({}, ctx))
    hub.subscribe((event, payload) => {
      if (event === 'settings.changed') applyLogin(payload as Settings)
    })
  })
  return { ready, quit, window: () => win, tray: () => tray }
}

/**
 * How secrets are encrypted in the app: Electron's safeStorage when the OS offers it, else the
 * key file in the data folder (as headless), with a notice for the user. On Linux without a
 * keyring safeStorage's backend is `basic_text`, and `isEncryptionAvailable()` is false unless
 * `setUsePlainTextEncryption(true)` is called (safe-storage.md); that mode obfuscates with a
 * fixed password, so the app does not turn it on: the random key file protects more.
 */
export function desktopEncryptor(platform: NodeJS.Platform): {
  encryptor?: Encryptor
  notice?: string
} {
  if (safeStorage.isEncryptionAvailable()) {
    const encryptor = safeStorageEncryptor(safeStorage, platform)
    return { encryptor, notice: encryptor.warning }
  }
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined
  const why =
    backend === 'basic_text'
      ? 'No keyring was found (Electron safeStorage backend basic_text)'
      : 'The operating system offers no encryption to Electron safeStorage'
  return {
    notice:
      `${why}: stored secrets are encrypted with a key file in llmnet's data folder instead, ` +
      'which protects them only as far as your user account does. Install and unlock a ' +
      'keyring (GNOME Keyring, KWallet) and restart llmnet to use it; secrets saved under one ' +
      'scheme must then be entered again.'
  }
}

/** A notice naming the stored secrets this encryption cannot read, if there are any. */
function unreadableSecrets(runtime: ShellRuntime): string | undefined {
  const repo = runtime.store?.secrets
  if (!repo) return undefined
  const other = repo.list().filter((s) => s.kind !== repo.kind)
  if (other.length === 0) return undefined
  const kinds = [...new Set(other.map((s) => s.kind))].join(', ')
  return (
    `${other.length} stored secret(s) (${other.map((s) => s.key).join(', ')}) were saved with ` +
    `${kinds} and cannot be read with ${repo.kind}, which this start uses. Restore that ` +
    'keyring and restart, or set them again in Hooks & secrets.'
  )
}
