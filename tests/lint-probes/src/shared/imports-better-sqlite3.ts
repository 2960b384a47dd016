// @ts-nocheck
// expect: no-restricted-imports
import Database from 'better-sqlite3'
export const open = (file: string) => new Database(file)
