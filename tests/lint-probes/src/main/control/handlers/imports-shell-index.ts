// @ts-nocheck
// expect: no-restricted-imports
import { startShell } from '../../shell'
export const s = startShell
