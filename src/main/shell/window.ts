/**
 * @module The main window: isolated, sandboxed, no Node in the page (the guards on navigation,
 * new windows and links are applied to every web contents in bootstrap). Closing it hides it to
 * the tray unless the app is quitting.
 */
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { BrowserWindow } from 'electron'
import type { AppUrls } from '../control/ipc'

const here = fileURLToPath(new URL('.', import.meta.url))

/** Where the app's pages are: the built renderer, and the dev server only when not packaged. */
export function appUrls(isPackaged: boolean, env: NodeJS.ProcessEnv = process.env): AppUrls {
  const rendererDir = pathToFileURL(join(here, '../renderer/')).href
  const devServer = isPackaged ? undefined : env.ELECTRON_RENDERER_URL
  return devServer ? { rendererDir, devServer } : { rendererDir }
}

/** The smallest window the pages are laid out for. */
export const MIN_SIZE = { width: 640, height: 480 } as const

export interface MainWindowOptions {
  urls: AppUrls
  /** Closing hides the window unless this says the app is quitting. */
  isQuitting(): boolean
  /** False when started at login: the app starts in the tray. */
  show: boolean
}

/** Creates the hardened main window and loads the app. */
export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    // The renderer's layouts work from 640 px wide.
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'llmnet desktop',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false
    }
  })
  if (opts.show) win.once('ready-to-show', () => win.show())
  win.on('close', (event) => {
    // The app lives in the tray: closing the window only hides it.
    if (opts.isQuitting()) return
    event.preventDefault()
    win.hide()
  })
  if (opts.urls.devServer) void win.loadURL(opts.urls.devServer)
  else void win.loadFile(join(here, '../renderer/index.html'))
  return win
}

/** Brings the window back (second instance, tray, dock): restores, shows and focuses it. */
export function revealWindow(win: BrowserWindow): void {
  if (win.isMinimized()) win.restore()
  win.show()
  win.focus()
}
