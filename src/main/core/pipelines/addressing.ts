/**
 * @module What a request's `model` names: a pipeline (`dual-expert`, or `llmnet` for the default)
 * or, as `PIPELINE/MODEL`, one model of a served composition's `models`, addressed directly and
 * bypassing routing. A direct model runs as a synthetic 1-0-1 pipeline (one node that answers
 * itself), so the engine's hops, trace and usage apply unchanged. Every route resolves here.
 */
import type { Composition, ModelDefinition } from '../../../shared/config/schema'
import { analyzeTopology } from '../../../shared/config/topology'
import type { CompiledPipeline } from '../engine/pipeline'
import { AppError } from '../errors'

/** The name of the default pipeline: `llmnet` answers whenever any pipeline is served. */
export const DEFAULT_ALIAS = 'llmnet'

/** What addressing reads of the served pipelines (a PipelineRegistry, registry.ts). */
export interface ServedPipelines {
  /** A pipeline id, or {@link DEFAULT_ALIAS} for the default pipeline. */
  resolvePipeline(id: string): CompiledPipeline | undefined
  list(): CompiledPipeline[]
  default(): CompiledPipeline | undefined
}

export type Addressed =
  | { kind: 'pipeline'; pipeline: CompiledPipeline }
  | { kind: 'model'; pipeline: CompiledPipeline; modelKey: string; def: ModelDefinition }

/** The pipeline or model that `model` names, or undefined when nothing served matches. */
export function resolveAddress(registry: ServedPipelines, model: string): Addressed | undefined {
  const pipeline = registry.resolvePipeline(model)
  if (pipeline) return { kind: 'pipeline', pipeline }
  const slash = model.indexOf('/')
  if (slash <= 0) return undefined
  const owner = registry.resolvePipeline(model.slice(0, slash))
  const modelKey = model.slice(slash + 1)
  const def =
    owner && Object.hasOwn(owner.composition.models, modelKey)
      ? owner.composition.models[modelKey]
      : undefined
  if (!owner || !def) return undefined
  return { kind: 'model', pipeline: owner, modelKey, def }
}

/** The synthetic pipeline of a `PIPELINE/MODEL` name, or undefined (see {@link directPipeline}). */
export function resolveDirect(
  registry: ServedPipelines,
  model: string
): CompiledPipeline | undefined {
  const found = resolveAddress(registry, model)
  return found?.kind === 'model' ? directPipeline(found.pipeline, found.modelKey) : undefined
}

/** Like {@link resolveAddress}, but a miss is a 404 `model_not_found` listing what is served. */
export function requireAddress(registry: ServedPipelines, model: string): Addressed {
  const found = resolveAddress(registry, model)
  if (found) return found
  throw notServed(registry, model)
}

/** The 404 for a `model` nothing served matches; it lists only ids that resolve. */
export function notServed(registry: ServedPipelines, model: string): AppError {
  const known = registry.list().map((p) => p.id)
  if (registry.default() && !known.includes(DEFAULT_ALIAS)) known.push(DEFAULT_ALIAS)
  return new AppError(
    'model_not_found',
    known.length === 0
      ? `model "${model}" is not served here: no pipeline is served yet`
      : `model "${model}" is not served here; available: ${known.join(', ')} (and PIPELINE/MODEL for a model of one)`,
    { param: 'model' }
  )
}

// Per compiled pipeline: a reload compiles a new object, so its old synthetic pipelines go with it.
const synthetic = new WeakMap<CompiledPipeline, Map<string, CompiledPipeline>>()

/**
 * The synthetic 1-0-1 pipeline that serves `modelKey` of `pipeline` directly: one node named
 * after the key, with no context, hooks or conditions, whose answer is the reply. It keeps the
 * owner's id (traces and the local-model bookkeeping name the pipeline that declares the model),
 * base directory and secrets.
 */
export function directPipeline(pipeline: CompiledPipeline, modelKey: string): CompiledPipeline {
  let byKey = synthetic.get(pipeline)
  if (!byKey) {
    byKey = new Map()
    synthetic.set(pipeline, byKey)
  }
  const hit = byKey.get(modelKey)
  if (hit) return hit
  const def = pipeline.composition.models[modelKey]
  if (!def)
    throw new AppError('model_not_found', `pipeline "${pipeline.id}" has no model "${modelKey}"`)
  const composition: Composition = {
    ...pipeline.composition,
    models: { [modelKey]: def },
    functions: {},
    architecture: [
      {
        name: modelKey,
        layer: 0,
        model: modelKey,
        adapter: 'openai-api',
        'output-to': ['output']
      },
      { name: 'output', adapter: 'output' }
    ]
  }
  const compiled: CompiledPipeline = {
    ...pipeline,
    composition,
    topology: analyzeTopology(composition),
    headerKeys: [],
    maxHops: 2
  }
  byKey.set(modelKey, compiled)
  return compiled
}

/** The pipeline to run for an address: the pipeline itself, or a direct model's synthetic one. */
export function pipelineFor(address: Addressed): CompiledPipeline {
  return address.kind === 'pipeline'
    ? address.pipeline
    : directPipeline(address.pipeline, address.modelKey)
}
