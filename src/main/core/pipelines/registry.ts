import type { CompiledPipeline } from '../engine/pipeline'

/** The pipelines being served, by id; the first one added is the default (alias `llmnet`). */
export class PipelineRegistry {
  private readonly byId = new Map<string, CompiledPipeline>()

  get(id: string): CompiledPipeline | undefined {
    return this.byId.get(id)
  }
  list(): CompiledPipeline[] {
    return [...this.byId.values()]
  }
  default(): CompiledPipeline | undefined {
    return this.byId.values().next().value
  }
  set(pipeline: CompiledPipeline): void {
    this.byId.set(pipeline.id, pipeline)
  }
  remove(id: string): boolean {
    return this.byId.delete(id)
  }
  /** A request's `model`: a pipeline id, or `llmnet` for the default pipeline. */
  resolve(model: string): CompiledPipeline | undefined {
    return this.byId.get(model) ?? (model === DEFAULT_ALIAS ? this.default() : undefined)
  }
}

export const DEFAULT_ALIAS = 'llmnet'
