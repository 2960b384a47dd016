// @ts-nocheck
// expect: no-restricted-imports
import { ipcRenderer } from 'electron'
export const ipc = ipcRenderer
