/**
 * A test double of the Kubernetes API server, on a real HTTP port: the documented endpoints the
 * llmnet verbs use (https://kubernetes.io/docs/reference/using-api/api-concepts/), nothing more.
 * - discovery: `GET /api/v1`, `GET /apis/{group}/{version}` (APIResourceList);
 * - server-side apply: `PATCH …/{resource}/{name}` with `application/apply-patch+yaml`, which
 *   requires `fieldManager` (400 without, as the API server answers) and creates or updates;
 * - lists with `labelSelector` (equality terms), `DELETE` (404 when absent, a Status otherwise);
 * - the Deployment `scale` subresource (JSON patch of `/spec/replicas`);
 * - pod logs, with `follow=true` kept open until the test ends it or the client goes.
 * A tiny "controller" gives each applied Deployment its pods (Running, ready), so get, logs and
 * status see what a cluster would show. Every request is recorded for assertions.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parse } from 'yaml'

interface Obj {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; uid?: string }
  spec?: Record<string, unknown>
  status?: Record<string, unknown>
  [k: string]: unknown
}

export interface Recorded {
  method: string
  path: string
  query: URLSearchParams
  contentType?: string
  body?: unknown
}

const RESOURCES: Record<string, { kind: string; name: string; namespaced: boolean }[]> = {
  '/api/v1': [
    { kind: 'ConfigMap', name: 'configmaps', namespaced: true },
    { kind: 'Secret', name: 'secrets', namespaced: true },
    { kind: 'Service', name: 'services', namespaced: true },
    { kind: 'Pod', name: 'pods', namespaced: true },
    { kind: 'Namespace', name: 'namespaces', namespaced: false }
  ],
  '/apis/apps/v1': [
    { kind: 'Deployment', name: 'deployments', namespaced: true },
    { kind: 'Scale', name: 'deployments/scale', namespaced: true }
  ],
  '/apis/autoscaling/v2': [
    { kind: 'HorizontalPodAutoscaler', name: 'horizontalpodautoscalers', namespaced: true }
  ]
}

const PATH =
  /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/(scale|log))?$/

export class FakeKube {
  readonly token = 'fake-token-123'
  readonly requests: Recorded[] = []
  /** `<prefix>/<ns>/<resource>/<name>` → object. */
  readonly store = new Map<string, Obj>()
  private readonly logLines = new Map<string, string[]>()
  private readonly followers = new Map<string, Set<ServerResponse>>()
  private server: Server | undefined
  private uid = 0
  url = ''

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res))
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    for (const set of this.followers.values()) for (const res of set) res.end()
    this.server?.closeAllConnections()
    await new Promise((r) => this.server?.close(r))
  }

  /** A kubeconfig naming this server (plain HTTP, which the client allows only with
   * insecure-skip-tls-verify), a bearer token and `namespace`. */
  kubeconfig(namespace = 'team'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
      'users:',
      `- name: tester\n  user:\n    token: ${this.token}`,
      'contexts:',
      `- name: fake-ctx\n  context:\n    cluster: fake\n    user: tester\n    namespace: ${namespace}`,
      'current-context: fake-ctx',
      ''
    ].join('\n')
  }

  objects(kind?: string): Obj[] {
    return [...this.store.values()].filter((o) => !kind || o.kind === kind)
  }

  /** Appends a line to a pod's log; followers get it at once. */
  log(pod: string, line: string): void {
    this.logLines.set(pod, [...(this.logLines.get(pod) ?? []), line])
    for (const res of this.followers.get(pod) ?? []) res.write(`${line}\n`)
  }

  /** Resolves once a client follows `pod`'s log. */
  async followed(pod: string): Promise<void> {
    while (!this.followers.get(pod)?.size) await new Promise((r) => setImmediate(r))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const contentType = req.headers['content-type']?.split(';')[0]
    const rec: Recorded = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      contentType
    }
    if (text) rec.body = contentType?.includes('yaml') ? parse(text) : JSON.parse(text)
    this.requests.push(rec)
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const status = (code: number, reason: string, message: string): void =>
      send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code })
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return status(401, 'Unauthorized', 'Unauthorized')
    const discovery = RESOURCES[url.pathname]
    if (req.method === 'GET' && discovery)
      return send(200, {
        kind: 'APIResourceList',
        groupVersion: url.pathname.replace(/^\/apis?\//, ''),
        resources: discovery.map((r) => ({
          name: r.name,
          singularName: '',
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']
        }))
      })
    const m = PATH.exec(url.pathname)
    if (!m) return status(404, 'NotFound', `the server could not find ${url.pathname}`)
    const [, prefix = '', ns = '', resource = '', name, sub] = m
    const key = `${prefix}/${ns}/${resource}/${name}`
    const known = RESOURCES[prefix]?.find((r) => r.name === resource)
    if (!known) return status(404, 'NotFound', `the server does not know ${resource}`)
    if (!name && req.method === 'GET') {
      const terms = (url.searchParams.get('labelSelector') ?? '')
        .split(',')
        .filter(Boolean)
        .map((t) => t.split('='))
      const items = [...this.store.entries()]
        .filter(([k]) => k.startsWith(`${prefix}/${ns}/${resource}/`))
        .map(([, o]) => o)
        .filter((o) => terms.every(([k, v]) => o.metadata.labels?.[k ?? ''] === v))
      return send(200, {
        kind: `${known.kind}List`,
        apiVersion: prefix.replace(/^\/apis?\//, ''),
        metadata: {},
        items
      })
    }
    if (!name) return status(405, 'MethodNotAllowed', 'not here')
    const existing = this.store.get(key)
    if (sub === 'log' && req.method === 'GET') {
      if (!existing) return status(404, 'NotFound', `pods "${name}" not found`)
      res.writeHead(200, { 'content-type': 'text/plain' })
      const lines = this.logLines.get(name) ?? []
      const tail = Number(url.searchParams.get('tailLines') ?? lines.length)
      for (const l of lines.slice(-tail || lines.length)) res.write(`${l}\n`)
      if (url.searchParams.get('follow') !== 'true') return void res.end()
      res.flushHeaders() // as the API server does: the stream is open before any line
      const set = this.followers.get(name) ?? new Set()
      set.add(res)
      this.followers.set(name, set)
      res.on('close', () => set.delete(res))
      return
    }
    if (sub === 'scale' && req.method === 'PATCH') {
      if (!existing) return status(404, 'NotFound', `deployments.apps "${name}" not found`)
      if (contentType !== 'application/json-patch+json')
        return status(415, 'UnsupportedMediaType', `${contentType} is not a patch type here`)
      for (const op of rec.body as { op: string; path: string; value: number }[])
        if (op.op === 'replace' && op.path === '/spec/replicas')
          this.setReplicas(existing, op.value)
      const r = existing.spec?.replicas as number
      return send(200, {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name, namespace: ns },
        spec: { replicas: r },
        status: { replicas: r }
      })
    }
    if (req.method === 'PATCH') {
      if (contentType !== 'application/apply-patch+yaml')
        return status(
          415,
          'UnsupportedMediaType',
          `only server-side apply here, not ${contentType}`
        )
      if (!url.searchParams.get('fieldManager'))
        return status(400, 'BadRequest', 'PATCH with apply requires a fieldManager')
      const body = rec.body as Obj
      if (body.metadata?.name !== name || body.kind !== known.kind)
        return status(400, 'BadRequest', 'the body does not match the URL')
      const obj: Obj = {
        ...body,
        metadata: {
          ...body.metadata,
          namespace: ns,
          uid: existing?.metadata.uid ?? `uid-${++this.uid}`
        }
      }
      this.store.set(key, obj)
      if (obj.kind === 'Deployment')
        this.setReplicas(
          obj,
          (obj.spec?.replicas as number) ?? (existing?.spec?.replicas as number) ?? 1
        )
      return send(existing ? 200 : 201, obj)
    }
    if (req.method === 'GET')
      return existing
        ? send(200, existing)
        : status(404, 'NotFound', `${resource} "${name}" not found`)
    if (req.method === 'DELETE') {
      if (!existing) return status(404, 'NotFound', `${resource} "${name}" not found`)
      this.store.delete(key)
      if (existing.kind === 'Deployment') this.setReplicas(existing, 0)
      return send(200, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Success',
        details: { name, kind: resource }
      })
    }
    return status(405, 'MethodNotAllowed', `${req.method} is not allowed`)
  }

  /** The controller: a Deployment's pods follow its replicas. */
  private setReplicas(d: Obj, replicas: number): void {
    d.spec = { ...d.spec, replicas }
    d.status = { replicas, readyReplicas: replicas, availableReplicas: replicas }
    const ns = d.metadata.namespace ?? 'default'
    const template = (d.spec.template ?? {}) as { metadata?: { labels?: Record<string, string> } }
    const prefix = `/api/v1/${ns}/pods/${d.metadata.name}-7d9f-`
    for (const k of [...this.store.keys()])
      if (k.startsWith(prefix) && Number(k.slice(prefix.length)) >= replicas) this.store.delete(k)
    for (let i = 0; i < replicas; i++) {
      const name = `${d.metadata.name}-7d9f-${i}`
      this.store.set(`${prefix}${i}`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns, labels: template.metadata?.labels ?? {} },
        status: {
          phase: 'Running',
          containerStatuses: [{ name: 'llmnet', ready: true, restartCount: 0 }]
        }
      })
    }
  }
}
