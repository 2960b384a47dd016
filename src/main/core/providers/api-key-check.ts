/**
 * @module Finds the models whose `api-key` cannot be resolved (`$VAR` not set, `$secrets.N.V` not
 * loaded) before any request needs them: `validate` warns at the key, `run` and `serve` warn at
 * start-up, and `/status` shows the pipeline not ready with this reason, instead of every request
 * answering 503 with nothing said before.
 */
import { describeModel, explicitEndpoint } from '../../../shared/config/models'
import type { Composition, ModelDefinition } from '../../../shared/config/schema'
import { expandApiKey } from '../engine/credentials'
import type { SecretLookup } from '../engine/ports'

export interface ApiKeyProblem {
  /** The model's key in the composition. */
  model: string
  /** `model "KEY": api-key refers to $VAR, which is not set in the environment`. */
  message: string
}

/**
 * Whether llmnet sends this model's `api-key` upstream: a model with an endpoint of its own. A
 * llama.cpp or Ollama model llmnet runs itself, or a vLLM/docker server it starts, takes none.
 */
function sendsApiKey(model: ModelDefinition): boolean {
  const info = describeModel(model)
  return info.apiKey !== undefined && (info.runner === 'external' || !!explicitEndpoint(model))
}

/** Every model of a composition whose `api-key` names a variable or secret that has no value. */
export function unresolvedApiKeys(
  composition: Composition,
  env: NodeJS.ProcessEnv,
  secrets?: SecretLookup
): ApiKeyProblem[] {
  const problems: ApiKeyProblem[] = []
  for (const [key, model] of Object.entries(composition.models)) {
    const raw = describeModel(model).apiKey
    if (raw === undefined || !sendsApiKey(model)) continue
    try {
      expandApiKey(raw, env, secrets)
    } catch (err) {
      problems.push({ model: key, message: `model "${key}": ${(err as Error).message}` })
    }
  }
  return problems
}
