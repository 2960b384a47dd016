/**
 * @module Maps a node to the provider that serves its model, and the model id to send.
 * One provider instance per (base URL, key), so connections and backend capabilities are shared.
 * Local runners without a fixed endpoint are handed to a LocalModels implementation when one is
 * configured (the llama.cpp and Ollama managers).
 */
import { describeModel, explicitEndpoint, upstreamModelName } from '../../../shared/config/models'
import type { ArchitectureNode, Composition, ModelDefinition } from '../../../shared/config/schema'
import type { ProviderResolver } from '../engine/engine'
import type { CompiledPipeline } from '../engine/pipeline'
import { AppError } from '../errors'
import type { UpstreamPools } from './http-transport'
import { OpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible'
import type { Provider } from './provider'

/** Resolves `$secrets.NAME.VAR` references (defined by the secrets subsystem). */
export interface SecretLookup {
  get(name: string, variable: string): string | undefined
}

/** Serves models that llmnet runs itself (llama.cpp child processes, a managed Ollama). */
export interface LocalModels {
  providerFor(
    pipeline: CompiledPipeline,
    modelKey: string,
    model: ModelDefinition
  ): Provider | undefined
}

export interface ResolverOptions {
  env: NodeJS.ProcessEnv
  local?: LocalModels
  /** Connection pools for HTTP upstreams (the runtime owns and closes them). */
  pools?: UpstreamPools
  timeouts?: Pick<
    OpenAICompatibleOptions,
    'connectTimeoutMs' | 'readTimeoutMs' | 'maxRetries' | 'retryBaseMs'
  >
}

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

export class DefaultProviderResolver implements ProviderResolver {
  private readonly cache = new Map<string, Provider>()
  /** Per node object: nodes are immutable once compiled, and a reload makes new ones. */
  private readonly byNode = new WeakMap<ArchitectureNode, { provider: Provider; model: string }>()
  constructor(private readonly opts: ResolverOptions) {}

  forNode(
    pipeline: CompiledPipeline,
    node: ArchitectureNode
  ): { provider: Provider; model: string } {
    const hit = this.byNode.get(node)
    if (hit) return hit
    const resolved = this.resolve(pipeline, node)
    // Local models come and go (idle unload, restarts): only fixed HTTP endpoints are memoised.
    if (!resolved.local) this.byNode.set(node, resolved)
    return resolved
  }

  private resolve(
    pipeline: CompiledPipeline,
    node: ArchitectureNode
  ): { provider: Provider; model: string; local?: boolean } {
    const key = node.model
    const model = key ? pipeline.composition.models[key] : undefined
    if (!key || !model) {
      throw new AppError(
        'model_not_ready',
        `node "${node.name}" has no model configured in pipeline "${pipeline.id}"`
      )
    }
    const modelId = upstreamModelName(node, model)
    const local = this.opts.local?.providerFor(pipeline, key, model)
    if (local) return { provider: local, model: modelId, local: true }
    const info = describeModel(model)
    if (!info.baseUrl || (info.runner === 'llama-cpp' && !explicitEndpoint(model))) {
      throw new AppError(
        'model_not_ready',
        `model "${key}" (${info.runner}) has no endpoint, and no local model manager is running for it`
      )
    }
    const apiKey = info.apiKey
      ? expandApiKey(info.apiKey, this.opts.env, pipeline.secrets)
      : undefined
    const readTimeout = info.readTimeoutMs ?? this.opts.timeouts?.readTimeoutMs
    const cacheKey = `${info.baseUrl}\u0000${apiKey ?? ''}\u0000${readTimeout ?? ''}`
    let provider = this.cache.get(cacheKey)
    if (!provider) {
      provider = new OpenAICompatibleProvider({
        baseUrl: info.baseUrl,
        apiKey,
        pools: this.opts.pools,
        ...this.opts.timeouts,
        // The model's own `timeout` beats the runtime's default.
        ...(readTimeout !== undefined && { readTimeoutMs: readTimeout })
      })
      this.cache.set(cacheKey, provider)
    }
    return { provider, model: modelId }
  }
}
