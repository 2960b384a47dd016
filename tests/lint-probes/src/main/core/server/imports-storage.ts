// @ts-nocheck
// expect: no-restricted-imports
import { openDatabase } from '../storage/database'
export const o = openDatabase
