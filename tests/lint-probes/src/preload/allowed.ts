// @ts-nocheck
// expect: clean
import { contextBridge } from 'electron'
import { REQUEST_CHANNEL } from '../shared/contract/channels'
import type { RouteName } from '../shared/contract/routes'

export const expose = (route: RouteName) => contextBridge.exposeInMainWorld(REQUEST_CHANNEL, route)
