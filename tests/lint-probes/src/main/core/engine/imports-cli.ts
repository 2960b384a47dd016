// @ts-nocheck
// expect: no-restricted-imports
import { buildProgram } from '../../cli/program'
export const p = buildProgram
