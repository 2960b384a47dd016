/**
 * @module The application menu: a pure template builder (tests read it) and the one Electron call
 * that installs it. Edit roles are there so copy, paste and undo work in the editor on macOS.
 */
import { Menu, type MenuItemConstructorOptions } from 'electron'

export interface AppMenuOptions {
  platform: NodeJS.Platform
  appName: string
  /** Developer tools only in development. */
  isPackaged: boolean
  openWindow(): void
  openExternal(url: string): void
}

/** The original llmnet (the Rust CLI this app rewrites), opened from Help. */
export const DOCS_URL = 'https://github.com/Avarok-Cybersecurity/llmnet'

/** The menu template for a platform. Quit uses the `quit` role, so it runs the quit sequence. */
export function appMenuTemplate(opts: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = opts.platform === 'darwin'
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' }
  ]
  if (!opts.isPackaged)
    view.unshift({ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' })
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open llmnet', accelerator: 'CmdOrCtrl+O', click: () => opts.openWindow() },
        { role: 'close', label: 'Close Window (keeps running in the tray)' },
        ...(mac ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }])
      ]
    },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' }
      ]
    },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'llmnet (the original CLI) on GitHub', click: () => opts.openExternal(DOCS_URL) }
      ]
    }
  ]
  if (mac) {
    template.unshift({
      label: opts.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' }
      ]
    })
  }
  return template
}

/** Installs the application menu. */
export function installAppMenu(opts: AppMenuOptions): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(opts)))
}
