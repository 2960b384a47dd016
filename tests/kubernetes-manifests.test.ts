/* eslint-disable @typescript-eslint/no-explicit-any -- rendered JSON documents probed by path */
/**
 * The objects `llmnet deploy --target kubernetes` renders, validated offline against the official
 * Kubernetes OpenAPI schemas (kubernetes-models: each object's validate()), the restricted pod
 * security they promise, the GPU model servers, secrets kept out of the ConfigMap, the dry run,
 * and the kustomize base in deploy/kubernetes/ (same objects as the renderer's for its sample).
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { Deployment } from 'kubernetes-models/apps/v1'
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import type { KubeObject } from '../src/main/cli/kubernetes/names'
import { DEFAULT_RENDER, renderPipeline } from '../src/main/cli/kubernetes/render'
import { buildSecret } from '../src/main/cli/kubernetes/secrets-plan'
import { llmnet } from './support/cli-process'

const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  ConfigMap,
  Secret,
  Service,
  Deployment,
  HorizontalPodAutoscaler
}

/** Validates one object with its kubernetes-models class (throws naming the bad field). */
function validate(o: KubeObject): void {
  const Model = MODELS[o.kind]
  if (!Model) throw new Error(`no schema for ${o.kind}`)
  new Model(o as never).validate()
}

const RICH = {
  models: {
    big: {
      runner: 'vllm',
      source: 'meta-llama/Llama-3.1-8B-Instruct',
      docker: { gpus: 'device=0,1' }
    },
    small: { runner: 'ollama', source: 'qwen2.5:0.5b' },
    hf: { type: 'huggingface', url: 'Qwen/Qwen2.5-0.5B-Instruct', runner: 'vllm' },
    cloud: {
      type: 'external',
      url: 'https://openrouter.ai/api/v1',
      'api-key': '$OPENROUTER_API_KEY'
    }
  },
  secrets: {
    audit: { source: 'env-file', path: 'audit.env', variables: ['AUDIT_TOKEN'] },
    hook: { source: 'env', variable: 'HOOK_TOKEN' },
    vault: {
      source: 'vault',
      address: 'http://vault:8200',
      path: 'secret/llmnet',
      token_env: 'VAULT_TOKEN'
    }
  },
  architecture: [
    { name: 'router', layer: 0, model: 'small', adapter: 'openai-api', 'output-to': [1] },
    {
      name: 'a',
      layer: 1,
      model: 'big',
      adapter: 'openai-api',
      'use-case': 'long',
      'output-to': ['output']
    },
    {
      name: 'b',
      layer: 1,
      model: 'hf',
      adapter: 'openai-api',
      'use-case': 'short',
      'output-to': ['output']
    },
    {
      name: 'c',
      layer: 1,
      model: 'cloud',
      adapter: 'openai-api',
      'use-case': 'other',
      'output-to': ['output']
    },
    { name: 'output', adapter: 'output' }
  ]
}

const opts = { ...DEFAULT_RENDER, name: 'helpdesk', namespace: 'team', shutdownGrace: 25 }
const rendered = renderPipeline(JSON.stringify(RICH), 'json', opts)
const byName = (kind: string, name: string): KubeObject => {
  const o = rendered.objects.find((x) => x.kind === kind && x.metadata.name === name)
  if (!o) throw new Error(`no ${kind} ${name}`)
  return o
}
type Pod = {
  terminationGracePeriodSeconds?: number
  securityContext: Record<string, unknown>
  containers: Record<string, any>[]
  tolerations?: unknown[]
}
const podOf = (d: KubeObject): Pod => (d.spec as { template: { spec: Pod } }).template.spec

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmnet-k8s-'))
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe('rendered manifests', () => {
  it('every object is valid against the official schemas, the HPA and model servers included', () => {
    expect(rendered.diagnostics).toEqual([])
    expect(rendered.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/llmnet-helpdesk',
      'Deployment/llmnet-helpdesk-big',
      'Service/llmnet-helpdesk-big',
      'Deployment/llmnet-helpdesk-small',
      'Service/llmnet-helpdesk-small',
      'Deployment/llmnet-helpdesk-hf',
      'Service/llmnet-helpdesk-hf',
      'Deployment/llmnet-helpdesk',
      'Service/llmnet-helpdesk',
      'HorizontalPodAutoscaler/llmnet-helpdesk'
    ])
    for (const o of rendered.objects) validate(o)
  })

  it('the schema check is real: a broken object fails it', () => {
    const d = structuredClone(byName('Deployment', 'llmnet-helpdesk'))
    ;(podOf(d).containers[0] as Record<string, unknown>).ports = [{ containerPort: 'http' }]
    expect(() => validate(d)).toThrow(/containerPort/)
  })

  it('the llmnet Deployment: probes, resources, restricted security, drain time, volumes', () => {
    const pod = podOf(byName('Deployment', 'llmnet-helpdesk'))
    const c = pod.containers[0] as Record<string, any>
    expect(c.readinessProbe.httpGet.path).toBe('/ready')
    expect(c.livenessProbe.httpGet.path).toBe('/health')
    expect(c.resources.requests).toBeDefined()
    expect(c.resources.limits).toBeDefined()
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' }
    })
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 })
    expect(pod.terminationGracePeriodSeconds).toBe(35)
    expect(c.args).toEqual(expect.arrayContaining(['--stateless', '--shutdown-grace', '25']))
    expect(c.volumeMounts).toContainEqual({
      name: 'pipelines',
      mountPath: '/etc/llmnet/pipelines',
      readOnly: true
    })
    const hpa = byName('HorizontalPodAutoscaler', 'llmnet-helpdesk').spec as Record<string, any>
    expect(hpa.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'llmnet-helpdesk'
    })
    expect(hpa.metrics[0].resource).toEqual({
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: 70 }
    })
  })

  it('GPU requests where the composition asks for GPUs, and the URLs point at the model servers', () => {
    const big = podOf(byName('Deployment', 'llmnet-helpdesk-big'))
    expect(big.containers[0]?.resources.limits['nvidia.com/gpu']).toBe('2')
    expect(big.containers[0]?.resources.requests['nvidia.com/gpu']).toBe('2')
    expect(big.tolerations).toBeDefined()
    const small = podOf(byName('Deployment', 'llmnet-helpdesk-small'))
    expect(small.containers[0]?.resources.limits['nvidia.com/gpu']).toBeUndefined()
    const copy = JSON.parse(
      (byName('ConfigMap', 'llmnet-helpdesk').data as Record<string, string>)['helpdesk.json'] ?? ''
    )
    expect(copy.models.big.url).toBe('http://llmnet-helpdesk-big:8000')
    expect(copy.models.small.url).toBe('http://llmnet-helpdesk-small:11434')
    expect(copy.models.hf).toMatchObject({
      runner: 'vllm',
      source: 'Qwen/Qwen2.5-0.5B-Instruct',
      url: 'http://llmnet-helpdesk-hf:8000'
    })
    expect(copy.models.cloud.url).toBe('https://openrouter.ai/api/v1')
    expect(copy.secrets.audit.path).toBe('/etc/llmnet/secrets/audit.env')
  })

  it('secrets: referenced by name from the Secret, never written into the ConfigMap', async () => {
    const env = podOf(byName('Deployment', 'llmnet-helpdesk')).containers[0]?.env as any[]
    const refs = env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.valueFrom.secretKeyRef)
    expect(refs).toEqual(
      ['HOOK_TOKEN', 'LLMNET_API_KEY', 'OPENROUTER_API_KEY', 'VAULT_TOKEN'].map((key) => ({
        name: 'llmnet-helpdesk-secrets',
        key
      }))
    )
    await writeFile(join(dir, 'audit.env'), 'AUDIT_TOKEN=audit-secret-value\nOTHER=x\n')
    const values = {
      HOOK_TOKEN: 'hook-secret-value',
      LLMNET_API_KEY: 'api-secret-value',
      OPENROUTER_API_KEY: 'or-secret-value',
      VAULT_TOKEN: 'vault-secret-value'
    }
    const secret = await buildSecret(rendered.secret, 'helpdesk', 'team', values, dir)
    validate(secret)
    expect(secret.stringData).toMatchObject({
      ...values,
      'audit.env': 'AUDIT_TOKEN="audit-secret-value"'
    })
    const all = JSON.stringify(rendered.objects)
    for (const v of [...Object.values(values), 'audit-secret-value']) expect(all).not.toContain(v)
    await expect(
      buildSecret(rendered.secret, 'helpdesk', 'team', { HOOK_TOKEN: 'x' }, dir)
    ).rejects.toThrow(/\$LLMNET_API_KEY, \$OPENROUTER_API_KEY, \$VAULT_TOKEN not set/)
  })

  it('what a pod cannot do is an error naming the field', () => {
    const bad = renderPipeline(
      JSON.stringify({
        ...RICH,
        models: {
          ...RICH.models,
          cloud: { type: 'external', url: 'https://x/v1', 'api-key': 'sk-literal-key' }
        },
        secrets: { app: { source: 'store', variables: ['K'] } }
      }),
      'json',
      opts
    )
    expect(bad.diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(/^secrets\.app: "source": "store"/),
      expect.stringMatching(
        /^models\.cloud\.api-key: a literal key would be written into the ConfigMap/
      )
    ])
  })
})

describe('deploy --dry-run -o yaml', () => {
  it('prints exactly the rendered objects and contacts no cluster', async () => {
    const file = join(dir, 'helpdesk.json')
    await writeFile(file, JSON.stringify(RICH))
    const p = llmnet(
      [
        'deploy',
        file,
        '--target',
        'kubernetes',
        '--dry-run',
        '-o',
        'yaml',
        '-n',
        'team',
        '--shutdown-grace',
        '25'
      ],
      { KUBECONFIG: join(dir, 'no-such-kubeconfig'), HOME: dir }
    )
    expect(await p.exited).toBe(0)
    const docs = parseAllDocuments(p.stdout()).map((d) => d.toJSON() as KubeObject)
    expect(docs).toEqual(rendered.objects)
    expect(p.stderr()).toContain('kubectl -n team create secret generic llmnet-helpdesk-secrets')
  })
})

describe('the kustomize base', () => {
  it('holds the same objects as the renderer for its sample pipeline', () => {
    const base = join(__dirname, '..', 'deploy', 'kubernetes')
    const kustomization = parse(readFileSync(join(base, 'kustomization.yaml'), 'utf8')) as {
      resources: string[]
      configMapGenerator: {
        name: string
        files: string[]
        options: { labels: Record<string, string> }
      }[]
    }
    const objects: KubeObject[] = []
    for (const r of kustomization.resources)
      for (const d of parseAllDocuments(readFileSync(join(base, r), 'utf8')))
        objects.push(d.toJSON() as KubeObject)
    for (const g of kustomization.configMapGenerator)
      objects.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: g.name, labels: g.options.labels },
        data: Object.fromEntries(g.files.map((f) => [f, readFileSync(join(base, f), 'utf8')]))
      })
    const sample = {
      description: '1-0-1: one vLLM model on a GPU answers every request.',
      models: {
        llm: { runner: 'vllm', source: 'Qwen/Qwen2.5-1.5B-Instruct', docker: { gpus: '1' } }
      },
      architecture: [
        {
          name: 'assistant',
          layer: 0,
          model: 'llm',
          adapter: 'openai-api',
          'output-to': ['output']
        },
        { name: 'output', adapter: 'output' }
      ]
    }
    const r = renderPipeline(JSON.stringify(sample), 'json', {
      ...DEFAULT_RENDER,
      name: 'pipeline',
      namespace: 'any'
    })
    // Modulo the namespace, which kustomize (or kubectl -n) sets, and the composition's layout
    // (pipeline.json is formatted by Prettier; the ConfigMap's copy by JSON.stringify).
    const parsed = (o: KubeObject): KubeObject =>
      o.kind === 'ConfigMap'
        ? {
            ...o,
            data: Object.fromEntries(
              Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, JSON.parse(v)])
            )
          }
        : o
    const key = (o: KubeObject): string => `${o.kind}/${o.metadata.name}`
    const strip = (list: KubeObject[]): KubeObject[] =>
      list
        .map((o) => ({ ...parsed(o), metadata: { ...o.metadata, namespace: undefined } }))
        .map((o) => JSON.parse(JSON.stringify(o)) as KubeObject)
        .sort((a, b) => key(a).localeCompare(key(b)))
    expect(
      strip(objects),
      'regenerate deploy/kubernetes with llmnet deploy … --dry-run (docs/kubernetes.md)'
    ).toEqual(strip(r.objects))
    for (const o of objects) validate(o)
  })
})
