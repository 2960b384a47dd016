/**
 * @module Every contract route's handler: thin adapters over the services (and the server
 * control). The result's type is the contract's mapped handler type, so a route without a
 * handler does not compile.
 */
import type { ContractHandlers } from '../../../shared/contract/handlers'
import type { Services } from '../../core/services/services'
import type { ServerControl } from '../server-control'
import { accessHandlers } from './access'
import { chatHandlers } from './chat'
import { evalsHandlers } from './evals'
import { functionsHandlers } from './functions'
import { modelsHandlers } from './models'
import { pipelinesHandlers } from './pipelines'
import { secretsHandlers } from './secrets'
import { serverHandlers } from './server'
import { settingsHandlers } from './settings'
import { tracesHandlers } from './traces'

export interface HandlerDeps {
  services: Services
  server: ServerControl
}

export function createHandlers({ services, server }: HandlerDeps): ContractHandlers {
  return {
    ...pipelinesHandlers(services.pipelines),
    ...modelsHandlers(services.models, services.discover),
    ...functionsHandlers(services.functions),
    ...secretsHandlers(services.secrets),
    ...tracesHandlers(services.traces),
    ...settingsHandlers(services.settings),
    ...serverHandlers(server),
    ...chatHandlers(services.chat),
    ...accessHandlers(services.access),
    ...evalsHandlers(services.evals)
  }
}
