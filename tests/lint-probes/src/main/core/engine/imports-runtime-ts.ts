// @ts-nocheck
// expect: no-restricted-imports
import type { RuntimeOptions } from '../../runtime.ts'
export type R = RuntimeOptions
