/**
 * @module Maps a node to the provider that serves its model, and the model id to send.
 * One provider instance per (base URL, key), so connections and backend capabilities are shared.
 * Local runners without a fixed endpoint are handed to a LocalModels implementation when one is
 * configured (the llama.cpp and Ollama managers).
 */
import { describeModel, explicitEndpoint, upstreamModelName } from '../../../shared/config/models'
import type { ArchitectureNode } from '../../../shared/config/schema'
import { expandApiKey } from '../engine/credentials'
import type { CompiledPipeline, LocalModels, Provider, ProviderResolver } from '../engine/ports'
import { AppError } from '../errors'
import type { UpstreamPools } from './http-transport'
import { OpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible'

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
