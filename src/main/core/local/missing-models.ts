/**
 * @module Which llama.cpp models of a composition are not on disk yet, and the command that gets
 * each: used by `run` (a pipeline waiting for a model answers 503) and `validate` (a warning).
 */
import { describeModel, explicitEndpoint } from '../../../shared/config/models'
import type { ModelDefinition } from '../../../shared/config/schema'
import { findCatalogEntry } from '../models/catalog'
import type { ModelLibrary } from '../models/library'
import { toolFor } from './server-runner'

/** The command that downloads a missing model, as printed in errors. */
export function pullCommand(source: string): string {
  const entry = findCatalogEntry(source)
  return `llmnet models pull ${entry ? entry.name : source}`
}

export interface MissingModel {
  /** The model's key in the composition. */
  key: string
  source: string
  /** What is missing and how to get it (the pull command, or the file that does not exist). */
  message: string
}

/**
 * The llama.cpp models of a composition whose GGUF file is not on disk yet (or whose source is
 * unusable), each with what to do about it. Never throws.
 */
export async function missingLlamaModels(
  models: Record<string, ModelDefinition>,
  library: ModelLibrary,
  baseDir: string
): Promise<MissingModel[]> {
  const missing: MissingModel[] = []
  for (const [key, model] of Object.entries(models)) {
    const info = describeModel(model)
    if (info.runner !== 'llama-cpp' || explicitEndpoint(model) !== undefined || toolFor(model))
      continue
    const source = info.source ?? ''
    if (!source) {
      missing.push({
        key,
        source,
        message: `model "${key}" (llama-cpp) has no source: give a GGUF path, URL or hf:// reference`
      })
      continue
    }
    try {
      const resolved = await library.resolveSource(source, { baseDir })
      if (resolved.present) continue
      missing.push({
        key,
        source,
        message:
          resolved.kind === 'path'
            ? `model "${key}": the file ${resolved.localPath} does not exist`
            : `model "${key}" is not downloaded (${resolved.localPath}); get it with: ${pullCommand(source)}`
      })
    } catch (err) {
      missing.push({ key, source, message: `model "${key}": ${(err as Error).message}` })
    }
  }
  return missing
}
