/**
 * @module The Kubernetes objects of one pipeline: a ConfigMap holding the composition, a
 * Deployment of `llmnet serve --stateless` reading it, a Service, an HPA (autoscaling/v2), and a
 * model server per vLLM or Ollama model. Pure: the same input renders the same objects, which
 * `--dry-run -o yaml` prints and `deploy` applies.
 */
import { stringify as yamlStringify } from 'yaml'
import type { Diagnostic } from '../../../shared/config/diagnostics'
import { parseSource, type SourceFormat } from '../../../shared/config/source'
import { validateText } from '../../../shared/config/validate'
import { renderModelServers } from './model-servers'
import { appName, type KubeObject, labels } from './names'
import { needsSecret, planSecrets, SECRETS_DIR, type SecretPlan } from './secrets-plan'

export const PIPELINES_DIR = '/etc/llmnet/pipelines'
export const PORT = 8080
/** Time past `--shutdown-grace` the pod gets: the 2 s abort bound, hooks, models stopping. */
export const TERMINATION_MARGIN_S = 10

export interface RenderOptions {
  /** The pipeline's name: its objects are `llmnet-<name>`, its id in the pod is `<name>`. */
  name: string
  namespace: string
  image: string
  /** The HPA's minimum (and the Deployment's count without an HPA). */
  replicas: number
  maxReplicas: number
  /** Average CPU utilisation (percent of requests) the HPA aims at. */
  cpuTarget: number
  /** `--shutdown-grace` of the pods, in seconds. */
  shutdownGrace: number
  /** Require `LLMNET_API_KEY` (from the Secret) on /v1; false serves the Service without a key. */
  apiKey: boolean
  autoscale: boolean
}

export const DEFAULT_RENDER: Omit<RenderOptions, 'name' | 'namespace'> = {
  image: 'llmnet:latest',
  replicas: 1,
  maxReplicas: 5,
  cpuTarget: 70,
  shutdownGrace: 10,
  apiKey: true,
  autoscale: true
}

export interface Rendered {
  objects: KubeObject[]
  secret: SecretPlan
  /** Problems found (validation errors, things a pod cannot do); nothing is applied with errors. */
  diagnostics: Diagnostic[]
  /** What still works but needs the user's attention. */
  warnings: string[]
}

/** Renders every object of a pipeline from the composition's text. */
export function renderPipeline(text: string, format: SourceFormat, opts: RenderOptions): Rendered {
  const checked = validateText(text, { format })
  const diagnostics = checked.diagnostics.filter((d) => d.severity === 'error')
  const raw = structuredClone(parseSource(text, format).value) as Record<string, unknown>
  const composition = checked.composition
  const empty: SecretPlan = { name: '', envKeys: [], files: [], problems: [] }
  if (!checked.ok || !composition || !raw)
    return { objects: [], secret: empty, diagnostics, warnings: [] }
  const ns = opts.namespace
  const secret = planSecrets(opts.name, composition, raw as never, opts.apiKey)
  for (const message of secret.problems)
    diagnostics.push({
      severity: 'error',
      code: 'kubernetes',
      message,
      path: [],
      line: 1,
      column: 1
    })
  const servers = renderModelServers(composition, raw as never, {
    pipeline: opts.name,
    namespace: ns
  })
  const warnings: string[] = []
  for (const [key, model] of Object.entries(composition.models)) {
    const runner = 'runner' in model ? (model.runner ?? model.type) : model.type
    const url = 'url' in model ? model.url : undefined
    if (
      url &&
      servers.every((o) => o.metadata.labels?.['llmnet.dev/model'] !== key) &&
      /^https?:\/\/(localhost|127\.|\[::1\])/i.test(url)
    )
      warnings.push(
        `models.${key}: ${url} is the pod itself in Kubernetes: point it at a Service, or use runner vllm or ollama`
      )
    if (runner === 'docker' || model.type === 'docker')
      warnings.push(
        `models.${key}: a docker model cannot start inside a pod: give it an url, or use runner vllm or ollama`
      )
  }
  const name = appName(opts.name)
  const meta = { name, namespace: ns, labels: labels(opts.name, 'pipeline') }
  const selector = { 'llmnet.dev/pipeline': opts.name, 'app.kubernetes.io/component': 'pipeline' }
  const file = `${opts.name}.${format === 'yaml' ? 'yaml' : 'json'}`
  const configMap: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta,
    data: { [file]: serialise(raw, format) }
  }
  const objects: KubeObject[] = [
    configMap,
    ...servers,
    deployment(opts, meta, selector, secret),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta,
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: PORT, targetPort: 'http' }]
      }
    }
  ]
  if (opts.autoscale)
    objects.push({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: opts.replicas,
        maxReplicas: Math.max(opts.maxReplicas, opts.replicas),
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: opts.cpuTarget }
            }
          }
        ]
      }
    })
  return { objects, secret, diagnostics, warnings }
}

function serialise(raw: unknown, format: SourceFormat): string {
  // YAML output through the same library the loader reads it with.
  if (format === 'yaml') return yamlStringify(raw)
  return `${JSON.stringify(raw, null, 2)}\n`
}

/**
 * The names a request may carry in its Host header to reach the Service. `$(POD_NAMESPACE)` is
 * expanded by Kubernetes from the container's env, so the objects fit any namespace (kustomize).
 */
function serviceHosts(name: string): string[] {
  const ns = '$(POD_NAMESPACE)'
  return [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`]
}

/** The container's command line: a stateless replica of the ConfigMap's pipelines. */
function serveArgs(opts: RenderOptions, name: string): string[] {
  return [
    'serve',
    '--stateless',
    '--pipelines',
    PIPELINES_DIR,
    '--host',
    '0.0.0.0',
    '--port',
    String(PORT),
    '--log-format',
    'json',
    '--shutdown-grace',
    String(opts.shutdownGrace),
    ...serviceHosts(name).flatMap((h) => ['--allow-host', h]),
    ...(opts.apiKey ? [] : ['--insecure-no-key'])
  ]
}

function deployment(
  opts: RenderOptions,
  meta: KubeObject['metadata'],
  selector: Record<string, string>,
  secret: SecretPlan
): KubeObject {
  const args = serveArgs(opts, meta.name)
  const env = [
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'LLMNET_DATA_DIR', value: '/data' },
    ...secret.envKeys.map((k) => ({
      name: k,
      valueFrom: { secretKeyRef: { name: secret.name, key: k } }
    }))
  ]
  const mounts = [
    { name: 'pipelines', mountPath: PIPELINES_DIR, readOnly: true },
    { name: 'data', mountPath: '/data' },
    { name: 'tmp', mountPath: '/tmp' },
    ...(secret.files.length ? [{ name: 'secrets', mountPath: SECRETS_DIR, readOnly: true }] : [])
  ]
  const volumes = [
    { name: 'pipelines', configMap: { name: meta.name } },
    { name: 'data', emptyDir: {} },
    { name: 'tmp', emptyDir: {} },
    ...(secret.files.length ? [{ name: 'secrets', secret: { secretName: secret.name } }] : [])
  ]
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta,
    spec: {
      // With an HPA the replica count is its business: applying one would fight it.
      ...(opts.autoscale ? {} : { replicas: opts.replicas }),
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: meta.labels },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: Math.ceil(opts.shutdownGrace) + TERMINATION_MARGIN_S,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: 'RuntimeDefault' }
          },
          containers: [
            {
              name: 'llmnet',
              image: opts.image,
              imagePullPolicy: 'IfNotPresent',
              args,
              env,
              ports: [{ name: 'http', containerPort: PORT }],
              readinessProbe: {
                httpGet: { path: '/ready', port: 'http' },
                periodSeconds: 5,
                failureThreshold: 3
              },
              livenessProbe: {
                httpGet: { path: '/health', port: 'http' },
                initialDelaySeconds: 10,
                periodSeconds: 20,
                failureThreshold: 3
              },
              resources: {
                requests: { cpu: '250m', memory: '256Mi' },
                limits: { cpu: '2', memory: '1Gi' }
              },
              securityContext: {
                runAsNonRoot: true,
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' }
              },
              volumeMounts: mounts
            }
          ],
          volumes
        }
      }
    }
  }
}

/** True when the pods reference a Secret the user (or `--create-secrets`) must provide. */
export function secretRequired(r: Rendered): boolean {
  return needsSecret(r.secret)
}
