/**
 * @module Every contract route's handler: thin adapters over the services (and the server
 * control and the model routes). The result's type is the contract's mapped handler type, so a
 * route without a handler does not compile.
 */
import type { ContractHandlers } from '../../../shared/contract/handlers'
import type { Services } from '../../core/services/services'
import type { ServerControl } from '../server-control'
import { accessHandlers } from './access'
import { chatHandlers } from './chat'
import { evalsHandlers } from './evals'
import { functionsHandlers } from './functions'
import { modelsHandlers, type ModelsDeps } from './models'
import { pipelinesHandlers } from './pipelines'
import { secretsHandlers } from './secrets'
import { serverHandlers } from './server'
import { settingsHandlers } from './settings'
import { tracesHandlers } from './traces'

export interface HandlerDeps {
  services: Services
  models: ModelsDeps
  server: ServerControl
}

export function createHandlers({ services, models, server }: HandlerDeps): ContractHandlers {
  return {
    ...pipelinesHandlers(services.pipelines),
    ...modelsHandlers(models),
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
