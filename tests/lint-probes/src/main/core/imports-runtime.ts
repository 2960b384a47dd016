// @ts-nocheck
// expect: no-restricted-imports
import { createRuntime } from '../runtime'
export const r = createRuntime
