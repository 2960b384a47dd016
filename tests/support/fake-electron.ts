/**
 * A small hand-written fake of the Electron main-process API the shell uses, for
 * `vi.mock('electron', …)` in src/main/shell tests (no Electron binary here). It records calls
 * and lets a test fire the events Electron would. `resetFakeElectron()` between tests.
 */
import { EventEmitter } from 'node:events'

type Listener = (...args: never[]) => unknown

/** An event with preventDefault, as Electron passes to `before-quit`, `close`, `will-navigate`. */
export class FakeEvent {
  defaultPrevented = false
  preventDefault(): void {
    this.defaultPrevented = true
  }
}

class FakeApp extends EventEmitter {
  gotLock = true
  ready = false
  isPackaged = false
  quitCalls = 0
  exitCodes: number[] = []
  loginItem = { openAtLogin: false, wasOpenedAtLogin: false }
  loginItemCalls: { openAtLogin: boolean; args?: string[] }[] = []
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
  getPath(name: string): string {
    return `/fake/${name}`
  }
  /** Tests point it at a folder with (or without) the Electron build of better-sqlite3. */
  appPath = '/fake/app'
  getAppPath(): string {
    return this.appPath
  }
  getName(): string {
    return 'llmnet'
  }
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void {
    this.loginItemCalls.push(settings)
    this.loginItem.openAtLogin = settings.openAtLogin
  }
  getLoginItemSettings(): { openAtLogin: boolean; wasOpenedAtLogin: boolean } {
    return { ...this.loginItem }
  }
}

export class FakeWebContents extends EventEmitter {
  static next = 1
  id = FakeWebContents.next++
  url = ''
  sent: unknown[][] = []
  destroyed = false
  windowOpenHandler?: (details: { url: string }) => { action: string }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler
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

export class FakeBrowserWindow extends EventEmitter {
  static all: FakeBrowserWindow[] = []
  static getAllWindows(): FakeBrowserWindow[] {
    return [...FakeBrowserWindow.all]
  }
  webContents = new FakeWebContents()
  visible = false
  minimized = false
  focused = false
  destroyed = false
  loaded?: string
  constructor(readonly options: Record<string, unknown>) {
    super()
    FakeBrowserWindow.all.push(this)
    fake.app.emit('web-contents-created', new FakeEvent(), this.webContents)
  }
  loadURL(url: string): Promise<void> {
    this.loaded = url
    this.webContents.url = url
    return Promise.resolve()
  }
  loadFile(file: string): Promise<void> {
    this.loaded = `file://${file}`
    this.webContents.url = this.loaded
    return Promise.resolve()
  }
  show(): void {
    this.visible = true
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
interface MenuTemplate {
  label?: string
  role?: string
  type?: string
  submenu?: MenuTemplate[]
  click?: () => void
  [key: string]: unknown
}

export class FakeTray extends EventEmitter {
  static all: FakeTray[] = []
  menu?: FakeMenu
  tooltip = ''
  destroyed = false
  constructor(public image: FakeImage) {
    super()
    FakeTray.all.push(this)
  }
  setContextMenu(menu: FakeMenu): void {
    this.menu = menu
  }
  setToolTip(text: string): void {
    this.tooltip = text
  }
  setImage(image: FakeImage): void {
    this.image = image
  }
  destroy(): void {
    this.destroyed = true
  }
}

export interface FakeImage {
  path: string
  template: boolean
  setTemplateImage(on: boolean): void
}

class FakeIpcMain {
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
  removeListener(channel: string, listener: Listener): void {
    this.listeners.get(channel)?.delete(listener)
  }
}

class FakeSession {
  requestHandler?: (wc: unknown, permission: string, cb: (granted: boolean) => void) => void
  checkHandler?: (wc: unknown, permission: string) => boolean
  setPermissionRequestHandler(h: FakeSession['requestHandler']): void {
    this.requestHandler = h
  }
  setPermissionCheckHandler(h: FakeSession['checkHandler']): void {
    this.checkHandler = h
  }
}

function createFake() {
  return {
    app: new FakeApp(),
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Menu: {
      applicationMenu: undefined as FakeMenu | undefined,
      buildFromTemplate: (template: MenuTemplate[]): FakeMenu => ({ template }),
      setApplicationMenu(menu: FakeMenu): void {
        fake.Menu.applicationMenu = menu
      }
    },
    clipboard: {
      text: '',
      writeText(text: string): void {
        fake.clipboard.text = text
      }
    },
    dialog: {
      /** The button index the next message boxes answer with. */
      response: 0,
      boxes: [] as Record<string, unknown>[],
      errors: [] as [string, string][],
      showMessageBox(...args: unknown[]): Promise<{ response: number }> {
        fake.dialog.boxes.push(args.at(-1) as Record<string, unknown>)
        return Promise.resolve({ response: fake.dialog.response })
      },
      showErrorBox(title: string, content: string): void {
        fake.dialog.errors.push([title, content])
      }
    },
    session: { defaultSession: new FakeSession() },
    safeStorage: {
      available: true,
      backend: 'gnome_libsecret',
      isEncryptionAvailable: () => fake.safeStorage.available,
      getSelectedStorageBackend: () => fake.safeStorage.backend,
      encryptString: (plain: string) => Buffer.from(`enc:${plain}`),
      decryptString: (blob: Buffer) => blob.toString().replace(/^enc:/, '')
    },
    utilityProcess: {
      forked: [] as { modulePath: string; args: string[] }[],
      fork(modulePath: string, args: string[]): EventEmitter {
        fake.utilityProcess.forked.push({ modulePath, args })
        return new EventEmitter()
      }
    },
    shell: {
      opened: [] as string[],
      openExternal(url: string): Promise<void> {
        fake.shell.opened.push(url)
        return Promise.resolve()
      }
    },
    ipcMain: new FakeIpcMain(),
    nativeImage: {
      createFromPath: (path: string): FakeImage => {
        const image: FakeImage = {
          path,
          template: false,
          setTemplateImage: (on) => void (image.template = on)
        }
        return image
      }
    }
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
