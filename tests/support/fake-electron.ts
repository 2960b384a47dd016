/**
 * A hand-written fake of the Electron main-process API the shell uses, for
 * `vi.mock('electron', …)` in src/main/shell tests (no Electron binary here).
 *
 * It cannot drift from Electron silently: every module is checked against Electron 45's own
 * declarations (`satisfies Partial<…>` on objects, `implements Partial<…>` on classes), so a
 * wrong name or signature fails `npm run typecheck`. Where the shell branches on the platform
 * (darwin, win32, linux: `process.platform`, which tests mock), the fake does what Electron's
 * docs say for that platform; the doc line is quoted beside each rule. `resetFakeElectron()`
 * between tests.
 */
import { EventEmitter } from 'node:events'
import type * as Electron from 'electron'

type ElectronModule = typeof Electron
type Listener = (...args: never[]) => unknown
/**
 * What a fake class is checked against: every member it declares must have Electron's type.
 * EventEmitter's own members are left out (Electron types `on` per event name and returns the
 * real class, which a fake cannot be); tests fire events with `emit` as Electron does.
 */
type Checked<T, Also extends keyof T = never> = Partial<Omit<T, keyof EventEmitter | Also>>

/** The platform the fake behaves as: the (mockable) `process.platform`. */
const platform = (): NodeJS.Platform => process.platform

/** An event with preventDefault, as Electron passes to `before-quit`, `close`, `will-navigate`. */
export class FakeEvent {
  defaultPrevented = false
  preventDefault(): void {
    this.defaultPrevented = true
  }
}

class FakeApp extends EventEmitter implements Checked<Electron.App> {
  gotLock = true
  ready = false
  isPackaged = false
  quitCalls = 0
  exitCodes: number[] = []
  loginItem = { openAtLogin: false, wasOpenedAtLogin: false }
  loginItemCalls: Electron.Settings[] = []
  /** Tests point it at a folder with (or without) the Electron build of better-sqlite3. */
  appPath = '/fake/app'
  /** Tests point `userData` at a temp folder when a real runtime runs behind the shell. */
  paths: Record<string, string> = {}
  private readyResolve: () => void = () => undefined
  private readyPromise = new Promise<void>((r) => (this.readyResolve = r))

  requestSingleInstanceLock(): boolean {
    return this.gotLock
  }
  whenReady(): Promise<void> {
    return this.readyPromise
  }
  isReady(): boolean {
    return this.ready
  }
  /** Test helper: what Electron does once it initialised. */
  becomeReady(): void {
    this.ready = true
    this.readyResolve()
  }
  /** Like Electron: emits before-quit, and quits (closes windows) unless it was prevented. */
  quit(): void {
    this.quitCalls++
    const event = new FakeEvent()
    this.emit('before-quit', event)
    if (event.defaultPrevented) return
    for (const w of [...FakeBrowserWindow.all]) w.close()
    this.emit('will-quit', new FakeEvent())
  }
  exit(code = 0): void {
    this.exitCodes.push(code)
  }
  getPath(name: Parameters<Electron.App['getPath']>[0]): string {
    return this.paths[name] ?? `/fake/${name}`
  }
  getAppPath(): string {
    return this.appPath
  }
  setPath(name: Parameters<Electron.App['setPath']>[0], path: string): void {
    this.paths[name] = path
  }
  getName(): string {
    return 'llmnet'
  }
  /**
   * app.md, setLoginItemSettings: "@platform darwin,win32". On Linux it does nothing, so the
   * fake records nothing there.
   */
  setLoginItemSettings(settings: Electron.Settings): void {
    if (platform() !== 'darwin' && platform() !== 'win32') return
    this.loginItemCalls.push(settings)
    this.loginItem.openAtLogin = settings.openAtLogin ?? false
  }
  /** app.md: "`wasOpenedAtLogin` boolean _macOS_": never true elsewhere. */
  getLoginItemSettings(_options?: Electron.LoginItemSettingsOptions): Electron.LoginItemSettings {
    return {
      openAtLogin: this.loginItem.openAtLogin,
      wasOpenedAtLogin: platform() === 'darwin' && this.loginItem.wasOpenedAtLogin,
      executableWillLaunchAtLogin: this.loginItem.openAtLogin,
      launchItems: [],
      status: 'not-registered'
    }
  }
}

export class FakeWebContents extends EventEmitter implements Checked<Electron.WebContents> {
  static next = 1
  id = FakeWebContents.next++
  url = ''
  sent: unknown[][] = []
  destroyed = false
  windowOpenHandler?: (details: { url: string }) => Electron.WindowOpenHandlerResponse
  setWindowOpenHandler(
    handler: (details: Electron.HandlerDetails) => Electron.WindowOpenHandlerResponse
  ): void {
    this.windowOpenHandler = (details) => handler(details as Electron.HandlerDetails)
  }
  getURL(): string {
    return this.url
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args])
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
}

export class FakeBrowserWindow
  extends EventEmitter
  implements Checked<Electron.BrowserWindow, 'webContents'>
{
  static all: FakeBrowserWindow[] = []
  static getAllWindows(): FakeBrowserWindow[] {
    return [...FakeBrowserWindow.all]
  }
  static fromWebContents(contents: unknown): FakeBrowserWindow | null {
    return FakeBrowserWindow.all.find((w) => w.webContents === contents) ?? null
  }
  webContents = new FakeWebContents()
  visible = false
  minimized = false
  focused = false
  destroyed = false
  loaded?: string
  constructor(readonly options: Electron.BrowserWindowConstructorOptions) {
    super()
    FakeBrowserWindow.all.push(this)
    fake.app.emit('web-contents-created', new FakeEvent(), this.webContents)
  }
  loadURL(url: string): Promise<void> {
    this.loaded = url
    this.webContents.url = url
    setImmediate(() => this.emit('ready-to-show'))
    return Promise.resolve()
  }
  loadFile(file: string): Promise<void> {
    this.loaded = `file://${file}`
    this.webContents.url = this.loaded
    // browser-window.md: 'ready-to-show' is emitted once the page has rendered.
    setImmediate(() => this.emit('ready-to-show'))
    return Promise.resolve()
  }
  /** browser-window.md: Event 'show', "Emitted when the window is shown". */
  show(): void {
    const was = this.visible
    this.visible = true
    if (!was) this.emit('show')
  }
  hide(): void {
    this.visible = false
  }
  isVisible(): boolean {
    return this.visible
  }
  focus(): void {
    this.focused = true
  }
  isMinimized(): boolean {
    return this.minimized
  }
  restore(): void {
    this.minimized = false
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  /** Like Electron: emits `close`; destroys the window unless prevented. */
  close(): void {
    const event = new FakeEvent()
    this.emit('close', event)
    if (event.defaultPrevented) return
    this.destroyed = true
    this.webContents.destroyed = true
    this.webContents.emit('destroyed')
    FakeBrowserWindow.all = FakeBrowserWindow.all.filter((w) => w !== this)
    this.emit('closed')
  }
}

export interface FakeMenu {
  template: MenuTemplate[]
}
type MenuTemplate = Electron.MenuItemConstructorOptions & { submenu?: MenuTemplate[] }

export class FakeTray extends EventEmitter implements Checked<Electron.Tray> {
  static all: FakeTray[] = []
  menu?: FakeMenu
  tooltip = ''
  destroyed = false
  constructor(public image: FakeImage) {
    super()
    FakeTray.all.push(this)
  }
  setContextMenu(menu: Electron.Menu | null): void {
    this.menu = (menu ?? undefined) as unknown as FakeMenu | undefined
  }
  setToolTip(text: string): void {
    this.tooltip = text
  }
  setImage(image: Electron.NativeImage | string): void {
    this.image = image as unknown as FakeImage
  }
  destroy(): void {
    this.destroyed = true
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  /**
   * Whether the user can see the icon. tray.md, Platform Considerations (Linux): "The app
   * indicator will only be shown when it has a context menu."
   */
  get shown(): boolean {
    return !this.destroyed && (platform() !== 'linux' || this.menu !== undefined)
  }
  /**
   * The user activates the icon. electron.d.ts, Tray `click`: "on Linux this event is emitted
   * when the tray icon receives an activation, which might not necessarily be left mouse click";
   * on macOS a tray with a context menu opens the menu instead (tray.md, `click`).
   */
  activate(): void {
    if (platform() === 'darwin' && this.menu) return
    this.emit('click', new FakeEvent(), { x: 0, y: 0, width: 16, height: 16 }, { x: 0, y: 0 })
  }
}

export interface FakeImage {
  path: string
  template: boolean
  setTemplateImage(on: boolean): void
}

class FakeIpcMain implements Checked<Electron.IpcMain> {
  handlers = new Map<string, Listener>()
  channelListeners = new Map<string, Set<Listener>>()
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
    this.handlers.set(channel, listener)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
  on(channel: string, listener: Listener): this {
    const set = this.channelListeners.get(channel) ?? new Set()
    set.add(listener)
    this.channelListeners.set(channel, set)
    return this
  }
  removeListener(channel: string, listener: Listener): this {
    this.channelListeners.get(channel)?.delete(listener)
    return this
  }
}

type RequestHandler = Parameters<Electron.Session['setPermissionRequestHandler']>[0]
type CheckHandler = Parameters<Electron.Session['setPermissionCheckHandler']>[0]
type Permission = Parameters<NonNullable<CheckHandler>>[1]

class FakeSession implements Partial<Electron.Session> {
  private request: RequestHandler = null
  private check: CheckHandler = null
  setPermissionRequestHandler(handler: RequestHandler): void {
    this.request = handler
  }
  setPermissionCheckHandler(handler: CheckHandler): void {
    this.check = handler
  }
  /**
   * A page asks for a permission, as Chromium does (session.md, setPermissionRequestHandler:
   * `details.requestingUrl` "The last URL the requesting frame loaded"). Without a handler
   * Electron grants it (session.md: "by default Electron will automatically approve all
   * permission requests").
   */
  requestPermission(permission: Permission, requestingUrl: string, isMainFrame = true) {
    return new Promise<boolean>((resolve) => {
      if (!this.request) return resolve(true)
      const contents = FakeBrowserWindow.all[0]?.webContents
      this.request(contents as unknown as Electron.WebContents, permission, resolve, {
        requestingUrl,
        isMainFrame
      } as Electron.PermissionRequest)
    })
  }
  /** A permission check (e.g. `navigator.clipboard.writeText` checks before it requests). */
  checkPermission(permission: Permission, requestingUrl: string, isMainFrame = true): boolean {
    if (!this.check) return true
    const origin = requestingUrl.startsWith('file:') ? 'file://' : new URL(requestingUrl).origin
    return this.check(null, permission, origin, { requestingUrl, isMainFrame })
  }
}

/** Makes the calling thread wait, as a synchronous native dialog does. */
function blockThread(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

interface PendingBox {
  options: Electron.MessageBoxOptions
  parent?: FakeBrowserWindow
  answer(response: number): void
}

function createDialog() {
  const d = {
    /** The button index message boxes answer with (at once, unless `holdAnswers`). */
    response: 0,
    /** Keep message boxes open until the test calls `answer` (a user who has not clicked yet). */
    holdAnswers: false,
    /** How long a user takes to click a box that blocks the main process (see below). */
    syncClickMs: 1500,
    /** Message boxes that blocked the main process. */
    blocking: 0,
    boxes: [] as Electron.MessageBoxOptions[],
    pending: [] as PendingBox[],
    errors: [] as [string, string][],
    /** Answers the oldest open message box. */
    answer(response: number): void {
      d.pending.shift()?.answer(response)
    },
    showMessageBox(
      windowOrOptions: Electron.BaseWindow | Electron.MessageBoxOptions,
      maybeOptions?: Electron.MessageBoxOptions
    ): Promise<Electron.MessageBoxReturnValue> {
      const parent = maybeOptions ? (windowOrOptions as unknown as FakeBrowserWindow) : undefined
      const options = maybeOptions ?? (windowOrOptions as Electron.MessageBoxOptions)
      d.boxes.push(options)
      const result = (response: number) => ({ response, checkboxChecked: false })
      // dialog.md, `signal`: "On macOS, `signal` does not work with message boxes that do not
      // have a parent window, since those message boxes run synchronously due to platform
      // limitations." Electron's message_box_mac.mm also runs a box modally when its parent
      // window is not visible ("it would be impossible to dismiss the alert", electron#22671).
      if (platform() === 'darwin' && !(parent && parent.isVisible())) {
        d.blocking++
        blockThread(d.syncClickMs)
        return Promise.resolve(result(d.response))
      }
      if (!d.holdAnswers) return Promise.resolve(result(d.response))
      return new Promise((resolve) => {
        const box: PendingBox = { options, parent, answer: (r) => resolve(result(r)) }
        d.pending.push(box)
        // dialog.md, `signal`: "the message box will behave as if it was cancelled by the user".
        options.signal?.addEventListener('abort', () => {
          d.pending = d.pending.filter((p) => p !== box)
          resolve(result(options.cancelId ?? 0))
        })
      })
    },
    /** dialog.md, showErrorBox: "Displays a modal dialog that shows an error message." */
    showErrorBox(title: string, content: string): void {
      d.errors.push([title, content])
    }
  } satisfies Partial<ElectronModule['dialog']> & Record<string, unknown>
  return d
}

/** The Linux backends (safe-storage.md, getSelectedStorageBackend). */
type LinuxBackend = ReturnType<ElectronModule['safeStorage']['getSelectedStorageBackend']>

function createSafeStorage() {
  const s = {
    /** macOS: whether the Keychain is available; Windows: always once ready. */
    keychain: true,
    backend: 'gnome_libsecret' as LinuxBackend,
    plainText: false,
    /**
     * safe-storage.md, isEncryptionAvailable: "On Linux, returns true if the app has emitted the
     * `ready` event and the secret key is available. On MacOS, returns true if Keychain is
     * available. On Windows, returns true once the app has emitted the `ready` event." With
     * `basic_text` there is no secret key unless `setUsePlainTextEncryption(true)` was called
     * (safe-storage.md, setUsePlainTextEncryption: "force the module to use an in memory password
     * … when a valid OS password manager cannot be determined").
     */
    isEncryptionAvailable(): boolean {
      if (!fake.app.isReady() && platform() !== 'darwin') return false
      if (platform() === 'darwin') return s.keychain
      if (platform() === 'win32') return true
      if (s.backend === 'unknown') return false
      return s.backend !== 'basic_text' || s.plainText
    },
    /** safe-storage.md: "This function is a no-op on Windows and MacOS." */
    setUsePlainTextEncryption(usePlainText: boolean): void {
      if (platform() === 'linux') s.plainText = usePlainText
    },
    /**
     * safe-storage.md, getSelectedStorageBackend: "@platform linux"; `unknown` "When the function
     * is called before app has emitted the `ready` event".
     */
    getSelectedStorageBackend(): LinuxBackend {
      return fake.app.isReady() ? s.backend : 'unknown'
    },
    /** safe-storage.md, encryptString: "This function will throw an error if encryption fails." */
    encryptString(plainText: string): Buffer {
      if (!s.isEncryptionAvailable()) {
        throw new Error(
          'Error while encrypting the text provided to safeStorage.encryptString. ' +
            'Encryption is not available.'
        )
      }
      return Buffer.from(`enc:${s.scheme()}:${plainText}`)
    },
    /** A blob only decrypts under the scheme (keychain entry, backend) that made it. */
    decryptString(encrypted: Buffer): string {
      const text = encrypted.toString()
      const prefix = `enc:${s.scheme()}:`
      if (!s.isEncryptionAvailable() || !text.startsWith(prefix)) {
        throw new Error(
          'Error while decrypting the ciphertext provided to safeStorage.decryptString.'
        )
      }
      return text.slice(prefix.length)
    },
    scheme(): string {
      return platform() === 'linux' ? s.backend : platform()
    }
  } satisfies Partial<ElectronModule['safeStorage']> & Record<string, unknown>
  return s
}

/** A utility process as `utilityProcess.fork` returns it; tests drive its events. */
export class FakeUtilityProcess extends EventEmitter implements Checked<Electron.UtilityProcess> {
  pid: number | undefined = undefined
  stdout = null
  stderr = null
  posted: unknown[] = []
  killed = false
  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: Electron.ForkOptions | undefined
  ) {
    super()
  }
  postMessage(message: unknown): void {
    this.posted.push(message)
  }
  kill(): boolean {
    this.killed = true
    return true
  }
}

function createFake() {
  const utilityProcess = {
    forked: [] as { modulePath: string; args: string[] }[],
    children: [] as FakeUtilityProcess[],
    fork(modulePath: string, args?: string[], options?: Electron.ForkOptions) {
      utilityProcess.forked.push({ modulePath, args: args ?? [] })
      const child = new FakeUtilityProcess(modulePath, args ?? [], options)
      utilityProcess.children.push(child)
      return child as unknown as Electron.UtilityProcess
    }
  } satisfies Partial<ElectronModule['utilityProcess']> & Record<string, unknown>
  const shell = {
    opened: [] as string[],
    openExternal(url: string): Promise<void> {
      shell.opened.push(url)
      return Promise.resolve()
    }
  } satisfies Partial<ElectronModule['shell']> & Record<string, unknown>
  const clipboard = {
    text: '',
    /** Rejects when a test says the system clipboard refused the write. */
    fails: false,
    /** clipboard.md (Electron 45): writeText "A promise that resolves once the text has been written". */
    writeText(text: string): Promise<void> {
      if (clipboard.fails) return Promise.reject(new Error('the clipboard is not available'))
      clipboard.text = text
      return Promise.resolve()
    }
  } satisfies Partial<ElectronModule['clipboard']> & Record<string, unknown>
  const Menu = {
    applicationMenu: undefined as FakeMenu | undefined,
    buildFromTemplate: (template: MenuTemplate[]) => ({ template }) as unknown as Electron.Menu,
    setApplicationMenu(menu: Electron.Menu | null): void {
      Menu.applicationMenu = (menu ?? undefined) as unknown as FakeMenu | undefined
    }
  } satisfies Partial<ElectronModule['Menu']> & Record<string, unknown>
  const nativeImage = {
    createFromPath: (path: string) => {
      const image: FakeImage = {
        path,
        template: false,
        setTemplateImage: (on) => void (image.template = on)
      }
      return image as unknown as Electron.NativeImage
    }
  } satisfies Partial<ElectronModule['nativeImage']>
  return {
    app: new FakeApp(),
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Menu,
    clipboard,
    dialog: createDialog(),
    session: { defaultSession: new FakeSession() },
    safeStorage: createSafeStorage(),
    utilityProcess,
    shell,
    ipcMain: new FakeIpcMain(),
    nativeImage
  }
}

/** The module `electron` resolves to in shell tests. Its parts are replaced by `resetFakeElectron`. */
export const fake = createFake()

/** Puts every part back in its initial state (call in beforeEach). */
export function resetFakeElectron(): void {
  Object.assign(fake, createFake())
  FakeBrowserWindow.all = []
  FakeTray.all = []
}
