// @ts-nocheck
// expect: no-restricted-imports
import { bootstrap } from '../shell/bootstrap'
export const b = bootstrap
