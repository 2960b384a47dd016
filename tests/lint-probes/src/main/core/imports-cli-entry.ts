// @ts-nocheck
// expect: no-restricted-imports
import { main } from '../cli'
export const m = main
