// @ts-nocheck
// expect: no-restricted-imports
import { LocalModelManager } from '../local/manager'
export const m = LocalModelManager
