// @ts-nocheck
// expect: no-restricted-imports
import { App } from '../../renderer/src/App'
export const a = App
