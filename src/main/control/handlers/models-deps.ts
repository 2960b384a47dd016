/** @module What the models routes (the library and Discover) are built over. */
import type { LocalModelManager } from '../../core/local/manager'
import type { ModelLibrary } from '../../core/models/library'
import type { PipelineRegistry } from '../../core/pipelines/registry'
import type { EventHub } from '../events'

export interface ModelsDeps {
  registry: PipelineRegistry
  models: LocalModelManager
  library: ModelLibrary
  hub: EventHub
  env: NodeJS.ProcessEnv
}
