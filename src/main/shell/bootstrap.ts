/**
 * @module Electron lifecycle: single instance, window creation, quit. The runtime itself stays
 * Electron-free in ../core and is handed paths from here.
 */
import { app, BrowserWindow } from 'electron'
import { createMainWindow } from './window'

export function bootstrap(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return
  }
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0]
    if (win) {
      if (win.isMinimized()) win.restore()
      win.focus()
    }
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow()
  })
  void app.whenReady().then(() => {
    createMainWindow()
  })
}
