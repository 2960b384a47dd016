import type { CompiledPipeline } from '../engine/pipeline'
import { DEFAULT_ALIAS, resolveDirect } from './addressing'

export { DEFAULT_ALIAS }

/**
 * The pipelines being served, by id. The default pipeline (alias `llmnet`) is the one named by
 * {@link PipelineRegistry.setDefault} while it is served, else the first one served (the order
 * pipelines were loaded; a reload keeps a pipeline's place). So `llmnet` answers whenever any
 * pipeline is served, and a second deploy never takes it away.
 */
export class PipelineRegistry {
  private readonly byId = new Map<string, CompiledPipeline>()
  private defaultId: string | undefined

  get(id: string): CompiledPipeline | undefined {
    return this.byId.get(id)
  }
  list(): CompiledPipeline[] {
    return [...this.byId.values()]
  }
  default(): CompiledPipeline | undefined {
    const chosen = this.defaultId === undefined ? undefined : this.byId.get(this.defaultId)
    return chosen ?? this.byId.values().next().value
  }
  /** The configured default pipeline id (it may not be served right now). */
  defaultSetting(): string | undefined {
    return this.defaultId
  }
  setDefault(id: string | undefined): void {
    this.defaultId = id
  }
  set(pipeline: CompiledPipeline): void {
    this.byId.set(pipeline.id, pipeline)
  }
  remove(id: string): boolean {
    return this.byId.delete(id)
  }
  /**
   * A request's `model`: a pipeline id, `llmnet` for the default pipeline, or `PIPELINE/MODEL`
   * for one model of a pipeline, served directly (see addressing.ts).
   */
  resolve(model: string): CompiledPipeline | undefined {
    return (
      this.resolvePipeline(model) ?? (model.includes('/') ? resolveDirect(this, model) : undefined)
    )
  }
  /** A pipeline id, or `llmnet` for the default pipeline (never a direct model). */
  resolvePipeline(id: string): CompiledPipeline | undefined {
    return this.byId.get(id) ?? (id === DEFAULT_ALIAS ? this.default() : undefined)
  }
}
