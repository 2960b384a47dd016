// @ts-nocheck
// expect: no-restricted-imports
import type { Runtime } from '../main/runtime'
export type R = Runtime
