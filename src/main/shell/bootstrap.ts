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

/** What the shell's steps share: what exists so far (each appears once the app is ready). */
interface ShellState {
  urls: ReturnType<typeof appUrls>
  trusted: (url: string, main: boolean) => boolean
  /** Set right after the state is made, before any window exists. */
  quit?: QuitSequence
  runtime?: ShellRuntime
  win?: BrowserWindow
  bridge?: ReturnType<typeof createEventBridge>
  tray?: AppTray
  /** Warnings for the user (secrets storage), shown on the window once it is visible. */
  notices: string[]
}

/**
 * Starts the desktop app; returns undefined when another instance already runs. In named steps:
 * the bounded quit, the app's events and window, then (once Electron is ready) the runtime, and
 * the UI over it (IPC, window, menu, tray, login item).
 */
export function bootstrap(opts: BootstrapOptions): Shell | undefined {
  // Before the lock: the single-instance lock belongs to the userData folder.
  if (opts.userData) app.setPath('userData', opts.userData)
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return undefined
  }
  const urls = appUrls(app.isPackaged)
  const state: ShellState = {
    urls,
    trusted: (url, main) => isTrustedSender(url, main, urls),
    notices: []
  }
  const quit = quitSequence(state, opts)
  state.quit = quit
  const openWindow = windowOpener(state)
  onAppEvents(state, openWindow)
  const ready = app.whenReady().then(async () => {
    const runtime = await startRuntime(state, opts, openWindow)
    if (runtime) await attachUi(state, runtime, openWindow)
  })
  return { ready, quit, window: () => state.win, tray: () => state.tray }
}

/** Step 1: the bounded quit (stop the runtime, then exit whatever still runs). */
function quitSequence(state: ShellState, opts: BootstrapOptions): QuitSequence {
  const quit = new QuitSequence({
    stopRuntime: async (graceMs) => state.runtime?.stop({ graceMs }),
    quit: () => app.quit(),
    exit: (code) => app.exit(code),
    graceMs: opts.graceMs ?? 5000,
    deadlineMs: opts.deadlineMs ?? 10_000,
    onProblem: (message, err) => console.error(`llmnet: ${message}`, err ?? '')
  })
  app.on('before-quit', (event) => quit.onBeforeQuit(event))
  // With a listener here Electron no longer quits when the last window closes: the tray stays.
  app.on('window-all-closed', () => undefined)
  return quit
}

/** Step 2: the function that shows the main window, creating it when there is none. */
function windowOpener(state: ShellState): () => BrowserWindow {
  const openWindow = (): BrowserWindow => {
    if (!state.win || state.win.isDestroyed()) state.win = newWindow(state, true)
    revealWindow(state.win)
    return state.win
  }
  return openWindow
}

/** A main window that shows the pending notices when visible and receives the events. */
function newWindow(state: ShellState, show: boolean): BrowserWindow {
  const created = createMainWindow({
    urls: state.urls,
    show,
    isQuitting: () => state.quit?.isQuitting === true
  })
  created.on('show', () => {
    for (const text of state.notices.splice(0)) {
      void askOnWindow(() => created, { type: 'warning', title: 'llmnet', message: text })
    }
  })
  state.bridge?.attach(created.webContents)
  return created
}

/** Step 3: a second start or a dock click opens the window; every web contents is guarded. */
function onAppEvents(state: ShellState, openWindow: () => BrowserWindow): void {
  app.on('second-instance', () => {
    if (app.isReady()) openWindow()
  })
  app.on('activate', () => {
    if (app.isReady()) openWindow()
  })
  // Every message box below has the window as parent (access-prompt.ts): none may block.
  app.on('web-contents-created', (_event, contents) => {
    guardContents(contents as unknown as GuardedContents, {
      isAppUrl: (url) => state.trusted(url, true),
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
}

/**
 * Step 4 (Electron ready): permissions, Electron's better-sqlite3, the secrets' encryption, then
 * the runtime, started. Undefined when it cannot start: the user was told and the app exits.
 */
async function startRuntime(
  state: ShellState,
  opts: BootstrapOptions,
  openWindow: () => BrowserWindow
): Promise<ShellRuntime | undefined> {
  appPermissions(session.defaultSession, (url) => state.trusted(url, true))
  const places = { appRoot: app.getAppPath(), resourcesPath: process.resourcesPath }
  const nativeBinding = electronNativeBinding(places)
  if (!nativeBinding) {
    dialog.showErrorBox(
      'llmnet could not start',
      missingNativeBindingMessage({ ...places, isPackaged: app.isPackaged })
    )
    app.exit(1)
    return undefined
  }
  const secrets = desktopEncryptor(process.platform)
  if (secrets.notice) state.notices.push(secrets.notice)
  try {
    state.runtime = await opts.createRuntime({
      nativeBinding,
      dataDir: app.getPath('userData'),
      fork: utilityFork,
      encryptor: secrets.encryptor,
      access: { ask: dialogAsk(openWindow) }
    })
    await state.runtime.start()
    const unreadable = unreadableSecrets(state.runtime)
    if (unreadable) state.notices.push(unreadable)
    return state.runtime
  } catch (err) {
    dialog.showErrorBox('llmnet could not start', (err as Error).message)
    app.exit(1)
    return undefined
  }
}

/** Step 5: the UI over the runtime: IPC and its event bridge, the window, menu, tray, login item. */
async function attachUi(
  state: ShellState,
  runtime: ShellRuntime,
  openWindow: () => BrowserWindow
): Promise<void> {
  const { handlers, hub } = runtime.control
  const ipc = ipcMain as unknown as IpcMainLike
  bindIpc(ipc, handlers, { isTrustedSender: state.trusted })
  state.bridge = createEventBridge(ipc, hub, { isTrustedSender: state.trusted })
  for (const text of state.notices) console.warn(`llmnet: ${text}`)
  state.win = newWindow(state, !startedAtLogin(app))
  installAppMenu({
    platform: process.platform,
    appName: app.getName(),
    isPackaged: app.isPackaged,
    openWindow,
    openExternal: (url) => void shell.openExternal(url)
  })
  state.tray = createAppTray({
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
  await followLoginSetting(handlers, hub)
}

/** The login item follows the `app.openAtLogin` setting, now and whenever it changes. */
async function followLoginSetting(handlers: ContractHandlers, hub: EventHub): Promise<void> {
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
