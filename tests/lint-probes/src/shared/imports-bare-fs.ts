// @ts-nocheck
// expect: no-restricted-imports
import { readFileSync } from 'fs'
export const read = readFileSync
