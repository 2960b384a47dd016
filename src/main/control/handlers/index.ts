/**
 * @module Every contract route's handler, built over the app runtime's parts. The result's type
 * is the contract's mapped handler type, so a route without a handler does not compile.
 */
import type { ContractHandlers } from '../../../shared/contract/handlers'
import { accessHandlers } from './access'
import { chatHandlers, type ChatDeps, type ChatSessions } from './chat'
import { evalsHandlers } from './evals'
import { functionsHandlers } from './functions'
import { modelsHandlers, type ModelsDeps } from './models'
import { pipelinesHandlers, type PipelinesDeps } from './pipelines'
import { secretsHandlers, type SecretsDeps } from './secrets'
import { serverHandlers } from './server'
import { settingsHandlers } from './settings'
import { tracesHandlers } from './traces'
import type { ServerControl } from '../server-control'
import type { EvalService } from '../../core/eval/eval-service'
import type { AppTokenRepository } from '../../core/storage/app-token-repository'
import type { TraceRepository } from '../../core/storage/trace-repository'

export interface HandlerDeps {
  pipelines: PipelinesDeps
  models: ModelsDeps
  secrets: SecretsDeps
  chat: ChatDeps & { sessions: ChatSessions }
  settings: Parameters<typeof settingsHandlers>[0]
  traces: TraceRepository
  server: ServerControl
  tokens: AppTokenRepository
  evals: EvalService
}

export function createHandlers(deps: HandlerDeps): ContractHandlers {
  return {
    ...pipelinesHandlers(deps.pipelines),
    ...modelsHandlers(deps.models),
    ...functionsHandlers({ pipelines: deps.pipelines.registry }),
    ...secretsHandlers(deps.secrets),
    ...tracesHandlers({ traces: deps.traces }),
    ...settingsHandlers(deps.settings),
    ...serverHandlers(deps.server),
    ...chatHandlers(deps.chat, deps.chat.sessions),
    ...accessHandlers({ tokens: deps.tokens }),
    ...evalsHandlers(deps.evals)
  }
}
