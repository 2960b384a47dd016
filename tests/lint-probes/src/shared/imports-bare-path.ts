// @ts-nocheck
// expect: no-restricted-imports
import path from 'path'
export const join = path.join
