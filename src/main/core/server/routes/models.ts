/**
 * @module GET /v1/models and GET /v1/models/{id}: every pipeline, the `llmnet` alias when a
 * default pipeline is served, and each pipeline's models as `PIPELINE/MODEL` (with a `pipeline`
 * field), which chat, responses, messages, completions and embeddings accept directly.
 */
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors'
import { DEFAULT_ALIAS, type PipelineRegistry } from '../../pipelines/registry'

export interface ModelEntry {
  id: string
  object: 'model'
  created: number
  owned_by: 'llmnet'
  /** For `PIPELINE/MODEL` entries: the pipeline that declares the model. */
  pipeline?: string
}

/** The served models, pipelines first. */
export function listModels(registry: PipelineRegistry, created: number): ModelEntry[] {
  const pipelines = registry.list()
  const entry = (id: string, pipeline?: string): ModelEntry => ({
    id,
    object: 'model',
    created,
    owned_by: 'llmnet',
    ...(pipeline !== undefined && { pipeline })
  })
  const out = pipelines.map((p) => entry(p.id))
  if (registry.default() && !registry.get(DEFAULT_ALIAS)) out.push(entry(DEFAULT_ALIAS))
  for (const p of pipelines)
    for (const key of Object.keys(p.composition.models)) out.push(entry(`${p.id}/${key}`, p.id))
  return out
}

export function registerModels(
  app: FastifyInstance,
  pipelines: PipelineRegistry,
  created: number
): void {
  app.get('/v1/models', async () => ({ object: 'list', data: listModels(pipelines, created) }))
  const retrieve = async (id: string): Promise<ModelEntry> => {
    const found = listModels(pipelines, created).find((m) => m.id === id)
    if (!found)
      throw new AppError('model_not_found', `model "${id}" is not served here`, { param: 'model' })
    return found
  }
  // Two routes, not a wildcard: `PIPELINE/MODEL` has a slash, and each segment keeps the
  // router's length limit (414).
  app.get<{ Params: { id: string } }>('/v1/models/:id', (req) => retrieve(req.params.id))
  app.get<{ Params: { pipeline: string; model: string } }>('/v1/models/:pipeline/:model', (req) =>
    retrieve(`${req.params.pipeline}/${req.params.model}`)
  )
}
