/**
 * @module The cluster verbs on a context of kind `kubernetes`: `deploy` renders and applies a
 * pipeline's objects (server-side apply), `get pipelines|pods`, `scale`, `delete pipeline`,
 * `logs [-f]` and `status` read and change them through the Kubernetes API.
 */
import { readTextFile } from '../../core/config/load-composition'
import { basename, dirname, extname, resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { stringify } from 'yaml'
import { formatForFile } from '../../../shared/config/source'
import type { KubernetesContext } from '../contexts'
import { EXIT } from '../exit-codes'
import type { CliIO } from '../io'
import { Kube, KubeError } from './kube-client'
import {
  appName,
  COMPONENT_LABEL,
  type KubeObject,
  MANAGED_BY,
  PIPELINE_LABEL,
  pipelineNameProblem,
  pipelineSelector
} from './names'
import { DEFAULT_RENDER, type Rendered, renderPipeline, secretRequired } from './render'
import { buildSecret, kubectlSecretCommand, redactSecret } from './secrets-plan'

type Row = Record<string, string | number | boolean | null>
type Print = (rows: Row[], json?: unknown) => void

export interface KubeFlags {
  output?: string
  namespace?: string
}

export interface KubeDeployFlags extends KubeFlags {
  name?: string
  dryRun?: boolean
  image?: string
  replicas?: string
  maxReplicas?: string
  cpuTarget?: string
  shutdownGrace?: string
  createSecrets?: boolean
  apiKey?: boolean
  autoscale?: boolean
}

/** Runs `fn` with a connected client; KubeErrors become their message and exit 3. */
async function withKube(
  ctx: Partial<KubernetesContext>,
  flags: KubeFlags,
  io: CliIO,
  fn: (kube: Kube) => Promise<number>
): Promise<number> {
  try {
    return await fn(await Kube.connect(ctx, io.env, flags.namespace))
  } catch (err) {
    if (!(err instanceof KubeError)) throw err
    io.stderr.write(`llmnet: ${err.message}\n`)
    return err.status === 404 ? EXIT.INVALID : EXIT.RUNTIME
  }
}

function count(value: string | undefined, fallback: number, flag: string, min = 1): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number of at least ${min}`)
  return n
}

class UsageError extends Error {}

/** The objects as `kubectl apply -f` reads them: YAML documents separated by `---`. */
export function toYaml(objects: readonly KubeObject[]): string {
  return objects
    .map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }))
    .join('---\n')
}

/** Renders a file for `deploy`; prints its problems; undefined when nothing may be applied. */
async function renderFile(
  file: string,
  flags: KubeDeployFlags,
  namespace: string,
  io: CliIO
): Promise<{ rendered: Rendered; name: string } | undefined> {
  let text: string
  try {
    text = await readTextFile(file)
  } catch (err) {
    io.stderr.write(`llmnet: cannot read ${file}: ${(err as Error).message}\n`)
    return undefined
  }
  const name = flags.name ?? basename(file, extname(file))
  const bad = pipelineNameProblem(name)
  if (bad) {
    io.stderr.write(`llmnet: ${bad}\n`)
    return undefined
  }
  const rendered = renderPipeline(text, formatForFile(file), {
    ...DEFAULT_RENDER,
    name,
    namespace,
    image: flags.image ?? DEFAULT_RENDER.image,
    replicas: count(flags.replicas, DEFAULT_RENDER.replicas, '--replicas'),
    maxReplicas: count(flags.maxReplicas, DEFAULT_RENDER.maxReplicas, '--max-replicas'),
    cpuTarget: count(flags.cpuTarget, DEFAULT_RENDER.cpuTarget, '--cpu-target'),
    shutdownGrace: Number(flags.shutdownGrace ?? DEFAULT_RENDER.shutdownGrace),
    apiKey: flags.apiKey !== false,
    autoscale: flags.autoscale !== false
  })
  for (const d of rendered.diagnostics)
    io.stderr.write(`${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`)
  for (const w of rendered.warnings) io.stderr.write(`llmnet: warning: ${w}\n`)
  if (rendered.diagnostics.length > 0) {
    io.stderr.write(`llmnet: ${file} cannot be deployed; nothing was applied\n`)
    return undefined
  }
  return { rendered, name }
}

/** `llmnet deploy FILE` on Kubernetes (`--dry-run -o yaml` contacts no cluster). */
export async function kubeDeploy(
  file: string,
  ctx: Partial<KubernetesContext>,
  flags: KubeDeployFlags,
  io: CliIO
): Promise<number> {
  const out = flags.output ?? 'table'
  if (!['table', 'json', 'yaml'].includes(out)) {
    io.stderr.write(`llmnet: -o must be "table", "json" or "yaml", got "${out}"\n`)
    return EXIT.USAGE
  }
  const run = async (namespace: string, kube?: Kube): Promise<number> => {
    const result = await renderFile(file, flags, namespace, io)
    if (!result) return EXIT.INVALID
    const { rendered } = result
    const objects = [...rendered.objects]
    const baseDir = dirname(resolve(file))
    const name = rendered.secret.name
    if (secretRequired(rendered)) {
      if (flags.createSecrets) {
        try {
          objects.unshift(
            await buildSecret(rendered.secret, result.name, namespace, io.env, baseDir)
          )
        } catch (err) {
          io.stderr.write(`llmnet: ${(err as Error).message}\n`)
          return EXIT.INVALID
        }
      } else {
        io.stderr.write(
          `llmnet: the pods read ${rendered.secret.envKeys.concat(rendered.secret.files.map((f) => f.key)).join(', ')} from the Secret ${name}; create it (or pass --create-secrets):\n  ${kubectlSecretCommand(rendered.secret, namespace, baseDir)}\n`
        )
      }
    }
    const shown = objects.map((o) => (o.kind === 'Secret' ? redactSecret(o) : o))
    if (!kube) {
      io.stdout.write(out === 'json' ? `${JSON.stringify(shown, null, 2)}\n` : toYaml(shown))
      return EXIT.OK
    }
    const applied = await kube.apply(objects)
    if (out === 'json') io.stdout.write(`${JSON.stringify(applied.map(describe), null, 2)}\n`)
    else if (out === 'yaml')
      io.stdout.write(toYaml(applied.map((o) => (o.kind === 'Secret' ? redactSecret(o) : o))))
    else
      for (const o of objects)
        io.stdout.write(`${o.kind.toLowerCase()}/${o.metadata.name} serverside-applied\n`)
    return EXIT.OK
  }
  try {
    if (flags.dryRun) return await run(flags.namespace ?? ctx.namespace ?? 'default')
    return await withKube(ctx, flags, io, (kube) => run(kube.namespace, kube))
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    io.stderr.write(`llmnet: ${err.message}\n`)
    return EXIT.USAGE
  }
}

function describe(o: KubeObject): { kind: string; name: string; namespace?: string } {
  return { kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace }
}

type Status = {
  replicas?: number
  readyReplicas?: number
  availableReplicas?: number
  phase?: string
  containerStatuses?: { ready?: boolean; restartCount?: number }[]
}
const statusOf = (o: KubeObject): Status => (o.status ?? {}) as Status
const specOf = (o: KubeObject): Record<string, unknown> => (o.spec ?? {}) as Record<string, unknown>
const label = (o: KubeObject, key: string): string => o.metadata.labels?.[key] ?? ''

const PIPELINES = `${MANAGED_BY}=llmnet,${COMPONENT_LABEL}=pipeline`

/** `get pipelines|pods` on a Kubernetes context. */
export async function kubeGet(
  kind: string,
  ctx: Partial<KubernetesContext>,
  flags: KubeFlags,
  io: CliIO,
  print: Print
): Promise<number> {
  const what = { pipeline: 'pipelines', pl: 'pipelines', pod: 'pods', po: 'pods' }[kind] ?? kind
  if (what !== 'pipelines' && what !== 'pods') {
    io.stderr.write(`llmnet: cannot get "${kind}" on a Kubernetes context: use pipelines or pods\n`)
    return EXIT.USAGE
  }
  return withKube(ctx, flags, io, async (kube) => {
    if (what === 'pipelines') {
      const list = await kube.list('apps/v1', 'Deployment', PIPELINES)
      print(
        list.map((d) => ({
          name: label(d, PIPELINE_LABEL),
          namespace: kube.namespace,
          replicas: statusOf(d).replicas ?? (specOf(d).replicas as number) ?? 0,
          ready: `${statusOf(d).readyReplicas ?? 0}/${statusOf(d).replicas ?? 0}`,
          available: statusOf(d).availableReplicas ?? 0,
          deployment: d.metadata.name
        })),
        list
      )
    } else {
      const list = await kube.list('v1', 'Pod', `${MANAGED_BY}=llmnet`)
      print(
        list.map((p) => {
          const cs = statusOf(p).containerStatuses ?? []
          return {
            name: p.metadata.name,
            pipeline: label(p, PIPELINE_LABEL),
            component: label(p, COMPONENT_LABEL),
            ready: `${cs.filter((c) => c.ready).length}/${cs.length}`,
            status: statusOf(p).phase ?? 'Unknown',
            restarts: cs.reduce((n, c) => n + (c.restartCount ?? 0), 0)
          }
        }),
        list
      )
    }
    return EXIT.OK
  })
}

/** `scale NAME --replicas N`: the Deployment's scale subresource; an HPA's bounds are reported. */
export async function kubeScale(
  name: string,
  replicas: number,
  ctx: Partial<KubernetesContext>,
  flags: KubeFlags,
  io: CliIO
): Promise<number> {
  return withKube(ctx, flags, io, async (kube) => {
    const set = await kube.scale(appName(name), replicas)
    io.stdout.write(`deployment.apps/${appName(name)} scaled to ${set}\n`)
    const hpa = (
      await kube.list('autoscaling/v2', 'HorizontalPodAutoscaler', pipelineSelector(name))
    )[0]
    if (hpa) {
      const spec = specOf(hpa) as { minReplicas?: number; maxReplicas?: number }
      io.stderr.write(
        `llmnet: note: the HPA ${hpa.metadata.name} keeps replicas between ${spec.minReplicas ?? 1} and ${spec.maxReplicas} by CPU; redeploy with --replicas/--max-replicas to move those bounds\n`
      )
    }
    return EXIT.OK
  })
}

/** `delete pipeline NAME`: every object labelled with the pipeline (its Secret only if llmnet made it). */
export async function kubeDelete(
  name: string,
  ctx: Partial<KubernetesContext>,
  flags: KubeFlags,
  io: CliIO
): Promise<number> {
  return withKube(ctx, flags, io, async (kube) => {
    const deleted = await kube.deleteAll(pipelineSelector(name))
    if (deleted.length === 0) {
      io.stderr.write(`llmnet: pipeline "${name}" not found in namespace ${kube.namespace}\n`)
      return EXIT.INVALID
    }
    for (const d of deleted) io.stdout.write(`${d} deleted\n`)
    return EXIT.OK
  })
}

/** `logs NAME [-f]`: the pipeline's pods' logs, each line prefixed with its pod when there are several. */
export async function kubeLogs(
  name: string,
  ctx: Partial<KubernetesContext>,
  flags: KubeFlags & { follow?: boolean; tail?: string },
  io: CliIO,
  until: () => Promise<string>
): Promise<number> {
  return withKube(ctx, flags, io, async (kube) => {
    const pods = await kube.list(
      'v1',
      'Pod',
      `${pipelineSelector(name)},${COMPONENT_LABEL}=pipeline`
    )
    if (pods.length === 0) {
      io.stderr.write(`llmnet: pipeline "${name}" has no pods in namespace ${kube.namespace}\n`)
      return EXIT.INVALID
    }
    const stop = new AbortController()
    if (flags.follow) void until().then(() => stop.abort())
    const tail = flags.tail === undefined ? undefined : Number(flags.tail)
    await Promise.all(
      pods.map(async (pod) => {
        const prefix = pods.length > 1 ? `[${pod.metadata.name}] ` : ''
        const sink = new PassThrough()
        let rest = ''
        sink.on('data', (chunk: Buffer) => {
          const lines = (rest + chunk.toString('utf8')).split('\n')
          rest = lines.pop() ?? ''
          for (const l of lines) io.stdout.write(`${prefix}${l}\n`)
        })
        await kube.logs(pod.metadata.name, 'llmnet', sink, {
          follow: flags.follow === true,
          tailLines: tail,
          signal: stop.signal
        })
        if (rest) io.stdout.write(`${prefix}${rest}\n`)
      })
    )
    return EXIT.OK
  })
}

/** `status`: the cluster, namespace, and each pipeline's and model server's replicas. */
export async function kubeStatus(
  ctx: Partial<KubernetesContext> & { name?: string },
  flags: KubeFlags,
  io: CliIO
): Promise<number> {
  return withKube(ctx, flags, io, async (kube) => {
    const deployments = await kube.list('apps/v1', 'Deployment', `${MANAGED_BY}=llmnet`)
    const of = (c: string): KubeObject[] =>
      deployments.filter((d) => label(d, COMPONENT_LABEL) === c)
    const ready = (list: KubeObject[]): number =>
      list.filter((d) => (statusOf(d).readyReplicas ?? 0) > 0).length
    const status = {
      context: ctx.name ?? null,
      kubeContext: kube.contextName,
      server: kube.server,
      namespace: kube.namespace,
      pipelines: of('pipeline').length,
      serving: ready(of('pipeline')),
      replicas: of('pipeline').reduce((n, d) => n + (statusOf(d).readyReplicas ?? 0), 0),
      modelServers: of('model-server').length,
      modelServersReady: ready(of('model-server'))
    }
    if (flags.output === 'json') io.stdout.write(`${JSON.stringify(status, null, 2)}\n`)
    else
      for (const [k, v] of Object.entries(status))
        io.stdout.write(`${`${k}:`.padEnd(19)}${v ?? '-'}\n`)
    return EXIT.OK
  })
}
