// @ts-nocheck
// expect: no-restricted-imports
import { ipcMain } from 'electron/main'
export const ipc = ipcMain
