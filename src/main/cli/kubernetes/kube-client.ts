/**
 * @module The Kubernetes API as the verbs use it, through @kubernetes/client-node (loaded here
 * only, by the kubernetes commands, so other commands start without it). Cluster, credentials
 * and default namespace come from the kubeconfig: `$KUBECONFIG` (its first file) or
 * ~/.kube/config, the context's own `kubeconfig`, `kubeContext` and `namespace` first.
 */
import { register } from 'node:module'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import type { Writable } from 'node:stream'
import type * as K8s from '@kubernetes/client-node'
import type { KubernetesContext } from '../contexts'
import { FIELD_MANAGER, type KubeObject } from './names'

/** A failure from the API server (its status and message), or a kubeconfig problem. */
export class KubeError extends Error {
  constructor(
    message: string,
    readonly status?: number
  ) {
    super(message)
  }
}

type Client = typeof K8s

/** The kinds a pipeline owns, in the order `delete` removes them (the HPA before its target). */
const OWNED_KINDS: [apiVersion: string, kind: string][] = [
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  ['apps/v1', 'Deployment'],
  ['v1', 'Service'],
  ['v1', 'ConfigMap'],
  ['v1', 'Secret']
]

/** The kubeconfig file the context names, else `$KUBECONFIG`'s first, else ~/.kube/config. */
export function kubeconfigPath(ctx: Partial<KubernetesContext>, env: NodeJS.ProcessEnv): string {
  if (ctx.kubeconfig) return ctx.kubeconfig
  const first = env.KUBECONFIG?.split(delimiter).find((p) => p !== '')
  return first ?? join(env.HOME ?? homedir(), '.kube', 'config')
}

/** Turns the client's ApiException (status + JSON Status body) into a readable KubeError. */
export function kubeError(err: unknown, what: string): KubeError {
  const e = err as { code?: number; body?: unknown; message?: string; cause?: { code?: string } }
  if (typeof e.code === 'number') {
    let message = e.message ?? ''
    try {
      const body = typeof e.body === 'string' ? (JSON.parse(e.body) as unknown) : e.body
      const m = (body as { message?: unknown } | undefined)?.message
      if (typeof m === 'string') message = m
    } catch {
      // not a Status document: keep the client's message
    }
    return new KubeError(`${what}: HTTP ${e.code}: ${message}`, e.code)
  }
  const cause = e.cause?.code ?? e.message ?? String(err)
  return new KubeError(`${what}: ${cause}`)
}

/**
 * @kubernetes/client-node brings undici 8, which needs Node 22.19+ (it fails while loading on
 * older Node). llmnet runs on Node 20.19+ and has undici 7 of its own: on older Node a resolve
 * hook hands the client that one (the client uses only its `fetch`, `Agent` and `ProxyAgent`).
 */
function routeUndici(): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
  if (routed || major > 22 || (major === 22 && minor >= 19)) return
  routed = true
  const hook = `export async function resolve(s, c, next) {
    if (s === 'undici' && c.parentURL && c.parentURL.includes('/@kubernetes/client-node/'))
      return next(s, { ...c, parentURL: ${JSON.stringify(import.meta.url)} })
    return next(s, c)
  }`
  register(`data:text/javascript,${encodeURIComponent(hook)}`)
}
let routed = false

export class Kube {
  private constructor(
    private readonly k8s: Client,
    private readonly kc: InstanceType<Client['KubeConfig']>,
    /** The namespace every verb works in. */
    readonly namespace: string,
    /** The kubeconfig context in use. */
    readonly contextName: string,
    /** The API server's URL. */
    readonly server: string
  ) {}

  /** Loads the client library and the kubeconfig; a missing file or context is a KubeError. */
  static async connect(
    ctx: Partial<KubernetesContext>,
    env: NodeJS.ProcessEnv,
    namespace?: string
  ): Promise<Kube> {
    routeUndici()
    const k8s = await import('@kubernetes/client-node')
    const kc = new k8s.KubeConfig()
    const file = kubeconfigPath(ctx, env)
    try {
      kc.loadFromFile(file)
    } catch (err) {
      throw new KubeError(`cannot read the kubeconfig ${file}: ${(err as Error).message}`)
    }
    if (ctx.kubeContext) {
      if (!kc.getContextObject(ctx.kubeContext))
        throw new KubeError(`the kubeconfig ${file} has no context "${ctx.kubeContext}"`)
      kc.setCurrentContext(ctx.kubeContext)
    }
    const current = kc.getCurrentContext()
    const cluster = kc.getCurrentCluster()
    if (!cluster) throw new KubeError(`the kubeconfig ${file} names no cluster for "${current}"`)
    const ns = namespace ?? ctx.namespace ?? kc.getContextObject(current)?.namespace ?? 'default'
    return new Kube(k8s, kc, ns, current, cluster.server)
  }

  private objects() {
    return this.k8s.KubernetesObjectApi.makeApiClient(this.kc)
  }

  /** Server-side apply of each object (field manager `llmnet`, conflicts forced), in order. */
  async apply(objects: readonly KubeObject[]): Promise<KubeObject[]> {
    const api = this.objects()
    const out: KubeObject[] = []
    for (const o of objects) {
      try {
        out.push(
          (await api.patch(
            o,
            undefined,
            undefined,
            FIELD_MANAGER,
            true,
            this.k8s.PatchStrategy.ServerSideApply
          )) as KubeObject
        )
      } catch (err) {
        throw kubeError(err, `apply ${o.kind} ${o.metadata.name}`)
      }
    }
    return out
  }

  /** Objects of one kind in the namespace, by label selector. */
  async list(apiVersion: string, kind: string, selector: string): Promise<KubeObject[]> {
    try {
      const res = await this.objects().list(
        apiVersion,
        kind,
        this.namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        selector
      )
      return res.items as KubeObject[]
    } catch (err) {
      throw kubeError(err, `list ${kind}`)
    }
  }

  /** Sets a Deployment's replicas through its scale subresource (a JSON patch). */
  async scale(name: string, replicas: number): Promise<number> {
    const apps = this.kc.makeApiClient(this.k8s.AppsV1Api)
    try {
      const scale = await apps.patchNamespacedDeploymentScale({
        name,
        namespace: this.namespace,
        body: [{ op: 'replace', path: '/spec/replicas', value: replicas }],
        fieldManager: FIELD_MANAGER
      })
      return scale.spec?.replicas ?? replicas
    } catch (err) {
      throw kubeError(err, `scale deployment ${name}`)
    }
  }

  /** Deletes every object labelled with `selector`; returns `Kind/name` of each one deleted. */
  async deleteAll(selector: string): Promise<string[]> {
    const api = this.objects()
    const deleted: string[] = []
    for (const [apiVersion, kind] of OWNED_KINDS) {
      for (const o of await this.list(apiVersion, kind, selector)) {
        try {
          await api.delete({ apiVersion, kind, metadata: { ...o.metadata } }, undefined, undefined)
        } catch (err) {
          if ((err as { code?: number }).code === 404) continue
          throw kubeError(err, `delete ${kind} ${o.metadata.name}`)
        }
        deleted.push(`${kind.toLowerCase()}/${o.metadata.name}`)
      }
    }
    return deleted
  }

  /**
   * Streams a pod's log into `out`; with `follow` it keeps streaming until `signal` aborts.
   * Resolves when the stream ends.
   */
  async logs(
    pod: string,
    container: string,
    out: Writable,
    opts: { follow: boolean; tailLines?: number; signal: AbortSignal }
  ): Promise<void> {
    const log = new this.k8s.Log(this.kc)
    await new Promise<void>((resolve, reject) => {
      out.once('finish', () => resolve())
      out.once('error', reject)
      // The client pipes the response into `out`; aborting it errors that source stream, which
      // has no listener of its own: an abort (Ctrl-C on -f) or a dropped connection ends here.
      out.once('pipe', (source: NodeJS.ReadableStream) =>
        source.on('error', () => {
          if (opts.signal.aborted) resolve()
          else reject(new KubeError(`the log stream of pod ${pod} broke off`))
        })
      )
      log
        .log(this.namespace, pod, container, out, {
          follow: opts.follow,
          tailLines: opts.tailLines,
          pretty: false,
          timestamps: false
        })
        .then((req) => {
          if (opts.signal.aborted) req.abort()
          opts.signal.addEventListener('abort', () => {
            req.abort()
            resolve()
          })
        }, reject)
    }).catch((err: unknown) => {
      if (!opts.signal.aborted) throw kubeError(err, `logs of pod ${pod}`)
    })
  }
}
