// @ts-nocheck
// expect: no-restricted-imports
import path from 'path'
export const j = path.join
