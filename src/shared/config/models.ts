/**
 * @module How a model definition, legacy or unified, maps to a backend: its runner, the base URL
 * the engine calls, and the model id it sends. Shared by the engine, the dry-run and the UI.
 */
import { modelIdleTimeoutMs } from './idle-timeout'
import type { ArchitectureNode, ModelDefinition, Runner } from './schema'

export interface ModelInfo {
  runner: Runner
  /** OpenAI-compatible base URL ending in `/v1`, when the model has a fixed one. */
  baseUrl?: string
  /** The model file, name or repository the runner loads. */
  source?: string
  apiKey?: string
  /** The model's own read timeout (its `timeout`, in ms), when it sets one. */
  readTimeoutMs?: number
  /** How long it stays loaded without requests (ms, 0 = never), when it sets that. */
  idleTimeoutMs?: number
}

/** Default ports of locally started runners (the Rust llmnet's defaults). */
export const RUNNER_PORTS: Partial<Record<Runner, number>> = {
  ollama: 11434,
  vllm: 8000,
  'tensorrt-llm': 8000
}

/**
 * `http://host:8000`, `http://host:8000/` and `http://host:8000/v1/` all become
 * `http://host:8000/v1`: the Rust llmnet wanted no `/v1`, many of its docs add one; both work here.
 */
export function normaliseBaseUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '')
  return /\/v1$/i.test(trimmed) ? trimmed : `${trimmed}/v1`
}

function huggingfaceRunner(runner: string): Runner {
  const r = runner.toLowerCase().replace('_', '-')
  if (r === 'ollama' || r === 'vllm' || r === 'tensorrt-llm') return r
  if (r === 'llama-cpp' || r === 'llamacpp') return 'llama-cpp'
  return 'external'
}

/** The endpoint a unified model names itself (`endpoint` or `url`); legacy models have none. */
export function explicitEndpoint(model: ModelDefinition): string | undefined {
  if (model.type === 'external' || model.type === 'docker' || model.type === 'huggingface')
    return undefined
  return model.endpoint ?? model.url
}

export function describeModel(model: ModelDefinition): ModelInfo {
  const info = describeBackend(model)
  if ('timeout' in model && model.timeout !== undefined) info.readTimeoutMs = model.timeout * 1000
  const idle = modelIdleTimeoutMs(model)
  if (idle !== undefined) info.idleTimeoutMs = idle
  return info
}

function describeBackend(model: ModelDefinition): ModelInfo {
  switch (model.type) {
    case 'external':
      return {
        runner: 'external',
        baseUrl: model.url ? normaliseBaseUrl(model.url) : undefined,
        apiKey: model['api-key'] ?? undefined
      }
    case 'docker':
      return { runner: 'docker', source: model.image }
    case 'huggingface':
      return { runner: huggingfaceRunner(model.runner), source: model.url }
    default: {
      const runner = model.runner ?? model.type ?? 'external'
      const explicit = model.endpoint ?? model.url
      const port = model.docker?.port ?? RUNNER_PORTS[runner]
      const baseUrl = explicit
        ? normaliseBaseUrl(explicit)
        : port && runner !== 'external'
          ? `http://127.0.0.1:${port}/v1`
          : undefined
      return { runner, baseUrl, source: model.source, apiKey: model['api-key'] ?? undefined }
    }
  }
}

/**
 * The `model` sent upstream for a node: its `model_override`, else the model's own `name` or
 * `source`, else the node's name (the Rust llmnet always sent the node name for handlers).
 */
export function upstreamModelName(
  node: ArchitectureNode,
  model: ModelDefinition | undefined
): string {
  const override = node['extra-options']?.model_override
  if (typeof override === 'string' && override !== '') return override
  if (model && 'name' in model && model.name) return model.name
  if (model && 'source' in model && model.source) return model.source
  return node.name
}
