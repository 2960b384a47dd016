// @ts-nocheck
// expect: no-restricted-imports
import { app } from 'electron'
export const name = app.getName()
