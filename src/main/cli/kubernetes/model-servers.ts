/**
 * @module Model servers for `runner: vllm` and `runner: ollama` models: a Deployment and a Service
 * each, with `nvidia.com/gpu` requests when the composition asks for GPUs (`docker.gpus`), and the
 * model's URL in the ConfigMap copy rewritten to the Service. A model whose URL already names
 * another machine is left alone: it is served from there.
 */
import type { Composition, ModelDefinition } from '../../../shared/config/schema'
import { isLoopbackAddress } from '../../core/server/security'
import { type KubeObject, labels, modelServerName } from './names'

type Runner = 'vllm' | 'ollama'

interface ServerKind {
  image: string
  port: number
  /** Where the server keeps downloaded weights (an emptyDir; a PVC in production). */
  cache: string
}

const KINDS: Record<Runner, ServerKind> = {
  vllm: { image: 'vllm/vllm-openai:latest', port: 8000, cache: '/root/.cache/huggingface' },
  ollama: { image: 'ollama/ollama:latest', port: 11434, cache: '/root/.ollama' }
}

/** GPUs asked for by `docker.gpus`: "2" → 2, "device=0,1" → 2, "all" → 1 (a pod cannot ask for all). */
export function gpuCount(gpus: string | undefined): number {
  if (!gpus) return 0
  const g = gpus.trim().replace(/^["']|["']$/g, '')
  if (/^\d+$/.test(g)) return Number(g)
  const devices = /^device=(.+)$/.exec(g)
  if (devices?.[1]) return devices[1].split(',').length
  return g === 'all' ? 1 : 0
}

function runnerOf(model: ModelDefinition): { runner: Runner; source: string } | undefined {
  if (model.type === 'huggingface') {
    const r = model.runner.toLowerCase()
    return r === 'vllm' || r === 'ollama' ? { runner: r, source: model.url } : undefined
  }
  if (model.type === 'external' || model.type === 'docker') return undefined
  const runner = model.runner ?? model.type
  if ((runner !== 'vllm' && runner !== 'ollama') || !model.source) return undefined
  const url = model.endpoint ?? model.url
  if (url) {
    try {
      if (!isLoopbackAddress(new URL(url).hostname)) return undefined
    } catch {
      return undefined
    }
  }
  return { runner, source: model.source }
}

/** How the runner's container starts and when it is ready. */
function runnerContainer(
  served: { runner: Runner; source: string },
  model: ModelDefinition,
  kind: ServerKind
): Record<string, unknown> {
  return served.runner === 'vllm'
    ? {
        // Served under the name llmnet sends upstream (the model's `name`, else its source).
        args: [
          '--model',
          served.source,
          '--served-model-name',
          ('name' in model && model.name) || served.source,
          '--port',
          String(kind.port)
        ],
        readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10 }
      }
    : {
        // Ollama serves, pulls the model once it answers, then keeps serving.
        command: ['/bin/sh', '-c'],
        args: [
          'ollama serve & until ollama list >/dev/null 2>&1; do sleep 1; done; ollama pull "$LLMNET_MODEL" && wait'
        ],
        readinessProbe: {
          exec: { command: ['/bin/sh', '-c', 'ollama show "$LLMNET_MODEL" >/dev/null'] },
          periodSeconds: 10
        }
      }
}

export interface ModelServerOptions {
  pipeline: string
  namespace: string
}

/**
 * The model-server objects of a composition; rewrites each served model's URL in `raw` (the
 * ConfigMap's copy) to its Service.
 */
export function renderModelServers(
  composition: Composition,
  raw: { models?: Record<string, Record<string, unknown>> },
  opts: ModelServerOptions
): KubeObject[] {
  const out: KubeObject[] = []
  for (const [key, model] of Object.entries(composition.models)) {
    const served = runnerOf(model)
    if (!served) continue
    const kind = KINDS[served.runner]
    const name = modelServerName(opts.pipeline, key)
    const docker = 'docker' in model ? model.docker : undefined
    const gpus = gpuCount(docker?.gpus)
    const meta = (extra: object = {}): KubeObject['metadata'] => ({
      name,
      namespace: opts.namespace,
      labels: labels(opts.pipeline, 'model-server', key),
      ...extra
    })
    const selector = { 'llmnet.dev/pipeline': opts.pipeline, 'llmnet.dev/model': key }
    const resources = {
      requests: { cpu: '1', memory: '4Gi', ...(gpus ? { 'nvidia.com/gpu': String(gpus) } : {}) },
      limits: { memory: '16Gi', ...(gpus ? { 'nvidia.com/gpu': String(gpus) } : {}) }
    }
    const container = runnerContainer(served, model, kind)
    out.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(),
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: labels(opts.pipeline, 'model-server', key) },
          spec: {
            automountServiceAccountToken: false,
            ...(gpus
              ? {
                  tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]
                }
              : {}),
            containers: [
              {
                name: 'model',
                image: docker?.image ?? kind.image,
                ...container,
                env: [
                  { name: 'LLMNET_MODEL', value: served.source },
                  ...(served.runner === 'ollama' ? [{ name: 'OLLAMA_HOST', value: '0.0.0.0' }] : [])
                ],
                ports: [{ name: 'http', containerPort: kind.port }],
                resources,
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' }
                },
                volumeMounts: [
                  { name: 'cache', mountPath: kind.cache },
                  { name: 'shm', mountPath: '/dev/shm' }
                ]
              }
            ],
            volumes: [
              { name: 'cache', emptyDir: {} },
              { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } }
            ]
          }
        }
      }
    })
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: kind.port, targetPort: 'http' }]
      }
    })
    rewriteUrl(raw, key, served, `http://${name}:${kind.port}`)
  }
  return out
}

/** Points the ConfigMap copy of a model at its Service (a legacy huggingface model turns unified). */
function rewriteUrl(
  raw: { models?: Record<string, Record<string, unknown>> },
  key: string,
  served: { runner: Runner; source: string },
  url: string
): void {
  const m = raw.models?.[key]
  if (!m || !raw.models) return
  if (m.type === 'huggingface') {
    const { hf_pat: _pat, url: _source, type: _type, runner: _runner, ...rest } = m
    raw.models[key] = { ...rest, runner: served.runner, source: served.source, url }
    return
  }
  delete m.endpoint
  m.url = url
}
