// @ts-nocheck
// expect: no-restricted-imports
import { readFileSync } from 'node:fs'
export const r = readFileSync
