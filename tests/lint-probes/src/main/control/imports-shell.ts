// @ts-nocheck
// expect: no-restricted-imports
import { createTray } from '../shell/tray'
export const t = createTray
