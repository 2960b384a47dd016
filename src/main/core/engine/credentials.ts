/**
 * @module Model credentials: an `api-key` expanded from the environment (`$ENV_VAR`) or the
 * secret store (`$secrets.NAME.VAR`). The engine collects them when it compiles a pipeline, so
 * they are redacted like loaded secrets; the provider resolver sends them upstream.
 */
import { describeModel } from '../../../shared/config/models'
import type { Composition } from '../../../shared/config/schema'
import { AppError } from '../errors'
import type { SecretLookup } from './ports'

const ENV_REF = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/
const SECRET_REF = /\$\{?secrets\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)\}?/g

/**
 * Expands an `api-key`: `$ENV_VAR` / `${ENV_VAR}` from the environment and `$secrets.NAME.VAR`
 * from the secret store. An unresolved reference is an error, never sent literally.
 */
export function expandApiKey(raw: string, env: NodeJS.ProcessEnv, secrets?: SecretLookup): string {
  const envMatch = ENV_REF.exec(raw.trim())
  if (envMatch?.[1] && !raw.includes('secrets.')) {
    const value = env[envMatch[1]]
    if (value === undefined || value === '') {
      throw new AppError(
        'model_not_ready',
        `api-key refers to $${envMatch[1]}, which is not set in the environment`
      )
    }
    return value
  }
  return raw.replace(SECRET_REF, (_m, name: string, variable: string) => {
    const value = secrets?.get(name, variable)
    if (value === undefined) {
      throw new AppError(
        'model_not_ready',
        `api-key refers to $secrets.${name}.${variable}, which is not loaded`
      )
    }
    return value
  })
}

/**
 * Every credential the models of a composition send upstream, expanded as the resolver will
 * expand them (literal keys too), so they can be redacted from answers, errors and traces. A key
 * that cannot be resolved yet is skipped: the request that needs it fails before sending it.
 */
export function modelCredentials(
  composition: Composition,
  env: NodeJS.ProcessEnv,
  secrets?: SecretLookup
): string[] {
  const found = new Set<string>()
  for (const model of Object.values(composition.models)) {
    const raw = describeModel(model).apiKey
    if (!raw) continue
    try {
      found.add(expandApiKey(raw, env, secrets))
    } catch {
      // unresolved: never sent, so nothing to hide
    }
  }
  return [...found]
}
