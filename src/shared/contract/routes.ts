/**
 * @module The merged route map of the control API and the types derived from it. This map is
 * the audited list of everything the renderer and `/api` clients can call.
 */
import type { z } from 'zod'
import { accessRoutes } from './access'
import { chatRoutes } from './chat'
import { evalsRoutes } from './evals'
import { functionsRoutes } from './functions'
import { modelsRoutes } from './models'
import { pipelinesRoutes } from './pipelines'
import { secretsRoutes } from './secrets'
import { serverRoutes } from './server'
import { settingsRoutes } from './settings'
import { tracesRoutes } from './traces'

export const ROUTES = {
  ...pipelinesRoutes,
  ...modelsRoutes,
  ...functionsRoutes,
  ...secretsRoutes,
  ...tracesRoutes,
  ...settingsRoutes,
  ...serverRoutes,
  ...chatRoutes,
  ...accessRoutes,
  ...evalsRoutes
}

export type Routes = typeof ROUTES
export type RouteName = keyof Routes

/** What a caller sends (fields with defaults may be left out). */
export type RequestOf<R extends RouteName> = z.input<Routes[R]['input']>
/** What a handler receives: the input after parsing, defaults filled in. */
export type InputOf<R extends RouteName> = z.output<Routes[R]['input']>
/** What a handler returns and a caller gets back. */
export type OutputOf<R extends RouteName> = z.output<Routes[R]['output']>

/** Whether a string names a route (an own key, so `toString` or `__proto__` never match). */
export function isRouteName(name: string): name is RouteName {
  return Object.hasOwn(ROUTES, name)
}
