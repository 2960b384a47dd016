/**
 * @module The Rust llmnet's cluster verbs on our runtime: `deploy`, `default`, `get`, `delete`,
 * `status` and `logs` talk to a running desktop app or `llmnet serve` through its control API
 * (`context`, which picks that server, is context-command.ts).
 * Tables by default, `-o json` on request. On a context of kind `kubernetes` (or
 * `deploy --target kubernetes`) they go to kubernetes/commands.ts, loaded only then.
 */
import { type Command, Option } from 'commander'
import { readTextFile } from '../core/config/load-composition'
import { basename, extname } from 'node:path'
import { formatForFile } from '../../shared/config/source'
import { PipelineNameSchema } from '../../shared/contract/define'
import type { Trace } from '../../shared/trace'
import { DEFAULT_ALIAS } from '../core/pipelines/registry'
import { EXIT } from './exit-codes'
import { ContextFileError, type LlmnetContext } from './contexts'
import type { CliIO } from './io'
import { parseSeconds, type SetExit } from './options'
import type { KubeDeployFlags } from './kubernetes/commands'
import { checkOutput, kubeContext, kubernetes, type Row, scaleCommand } from './kubernetes/dispatch'
import { ControlApiClient, RemoteError, resolveContext } from './remote'

export interface RemoteFlags {
  context?: string
  config?: string
  output?: string
  /** The Kubernetes namespace (kubernetes contexts only). */
  namespace?: string
}

/** Prints rows as an aligned table (kubectl style) or as JSON. */
export function printRows(
  io: CliIO,
  flags: RemoteFlags,
  rows: Record<string, string | number | boolean | null>[],
  json: unknown = rows
): void {
  if (flags.output === 'json') {
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
    return
  }
  if (rows.length === 0) {
    io.stdout.write('No resources found.\n')
    return
  }
  const cols = Object.keys(rows[0] ?? {})
  const cell = (v: unknown): string => (v === null || v === undefined ? '-' : String(v))
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('   ')
      .trimEnd()
  io.stdout.write(`${line(cols.map((c) => c.toUpperCase()))}\n`)
  for (const r of rows) io.stdout.write(`${line(cols.map((c) => cell(r[c])))}\n`)
}

/** Runs a verb against the context's server; a RemoteError becomes its message and exit 3. */
export async function remote(
  io: CliIO,
  flags: RemoteFlags,
  fn: (client: ControlApiClient, ctx: LlmnetContext) => Promise<number>,
  /** The composition sent, so its diagnostics read FILE:line:column. */
  file?: string
): Promise<number> {
  if (flags.output !== undefined && flags.output !== 'json' && flags.output !== 'table') {
    io.stderr.write(`llmnet: -o must be "table" or "json", got "${flags.output}"\n`)
    return EXIT.USAGE
  }
  try {
    const ctx = await resolveContext(io.env, flags)
    if (ctx.kind === 'kubernetes')
      throw new RemoteError(
        'kubernetes',
        `this verb is not available on the Kubernetes context "${ctx.name}"`
      )
    return await fn(new ControlApiClient(ctx.url, ctx.token), ctx)
  } catch (err) {
    if (err instanceof RemoteError || err instanceof ContextFileError) {
      const details = err instanceof RemoteError ? err.details?.diagnostics : undefined
      if (Array.isArray(details) && file !== undefined) {
        io.stderr.write(`llmnet: ${file} is invalid; nothing was saved\n`)
        for (const d of details as {
          line: number
          column: number
          severity: string
          message: string
        }[])
          io.stderr.write(`${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`)
      } else io.stderr.write(`llmnet: ${err.message}\n`)
      return err instanceof RemoteError && err.code === 'invalid_request'
        ? EXIT.INVALID
        : EXIT.RUNTIME
    }
    throw err
  }
}

// ── deploy, get, delete, status, logs ─────────────────────────────────────────────────────

export async function deployCommand(
  file: string,
  flags: RemoteFlags & KubeDeployFlags & { target?: string; default?: boolean },
  io: CliIO
): Promise<number> {
  if (flags.target !== undefined && flags.target !== 'kubernetes' && flags.target !== 'llmnet') {
    io.stderr.write(`llmnet: --target must be "kubernetes" or "llmnet", got "${flags.target}"\n`)
    return EXIT.USAGE
  }
  const kube = flags.target === 'llmnet' ? undefined : await kubeContext(io, flags)
  if ((kube || flags.target === 'kubernetes') && flags.default) {
    io.stderr.write('llmnet: --default applies to a desktop app or llmnet serve, not Kubernetes\n')
    return EXIT.USAGE
  }
  if (kube || flags.target === 'kubernetes')
    return (await kubernetes()).kubeDeploy(file, kube ?? {}, flags, io)
  if (flags.dryRun) {
    io.stderr.write('llmnet: --dry-run renders Kubernetes objects: add --target kubernetes\n')
    return EXIT.USAGE
  }
  let text: string
  try {
    text = await readTextFile(file)
  } catch (err) {
    io.stderr.write(`llmnet: cannot read ${file}: ${(err as Error).message}\n`)
    return EXIT.INVALID
  }
  const name = flags.name ?? basename(file, extname(file))
  const named = PipelineNameSchema.safeParse(name)
  if (!named.success) {
    const message = named.error.issues[0]?.message ?? 'not a pipeline name'
    io.stderr.write(
      flags.name === undefined
        ? `llmnet: the file name gives the pipeline name "${name}", which is not valid (${message}): choose one with --name\n`
        : `llmnet: --name "${name}" is not valid: ${message}\n`
    )
    return EXIT.USAGE
  }
  return remote(
    io,
    flags,
    async (client, ctx) => {
      const saved = await client.call('pipelines.save', {
        name,
        text,
        format: formatForFile(file),
        message: `deployed from ${basename(file)}`
      })
      if (flags.default) await client.call('pipelines.set_default', { name })
      const summary = (await client.call('pipelines.list', {})).pipelines.find(
        (p) => p.name === name
      )
      if (flags.output === 'json') {
        io.stdout.write(`${JSON.stringify({ ...saved, pipeline: summary }, null, 2)}\n`)
      } else {
        io.stdout.write(
          `pipeline.llmnet/${name} deployed to ${ctx.name} (version ${saved.version})${flags.default ? `, the default (model "${DEFAULT_ALIAS}")` : ''}\n`
        )
        for (const d of saved.diagnostics)
          io.stderr.write(`  ${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`)
        if (summary?.status === 'error')
          io.stderr.write(`llmnet: not serving yet: ${summary.error}\n`)
      }
      return summary?.status === 'error' ? EXIT.RUNTIME : EXIT.OK
    },
    file
  )
}

export async function getCommand(kind: string, flags: RemoteFlags, io: CliIO): Promise<number> {
  const kube = await kubeContext(io, flags)
  if (kube) {
    if (!checkOutput(io, flags)) return EXIT.USAGE
    const print = (rows: Row[], json?: unknown): void => printRows(io, flags, rows, json ?? rows)
    return (await kubernetes()).kubeGet(kind, kube, flags, io, print)
  }
  const what =
    { pipeline: 'pipelines', pl: 'pipelines', model: 'models', trace: 'traces' }[kind] ?? kind
  if (!['pipelines', 'models', 'traces'].includes(what)) {
    io.stderr.write(`llmnet: cannot get "${kind}": use pipelines, models or traces\n`)
    return EXIT.USAGE
  }
  return remote(io, flags, async (client) => {
    if (what === 'pipelines') {
      const { pipelines } = await client.call('pipelines.list', {})
      printRows(
        io,
        flags,
        pipelines.map((p) => ({
          name: p.name,
          source: p.source,
          version: p.version,
          status: p.status,
          default: p.isDefault ? 'yes' : '',
          error: p.error
        })),
        pipelines
      )
    } else if (what === 'models') {
      const list = await client.call('models.list', {})
      printRows(
        io,
        flags,
        [
          ...list.runtime.map((m) => ({
            name: m.key,
            runner: m.runner,
            state: m.state,
            source: m.source,
            size: m.memory ? `${Math.round(m.memory.ramBytes / 1e6)} MB` : null
          })),
          ...list.local.map((m) => ({
            name: m.name,
            runner: m.runner,
            state: 'on disk',
            source: m.path,
            size: m.sizeBytes === null ? null : `${Math.round(m.sizeBytes / 1e6)} MB`
          }))
        ],
        list
      )
    } else {
      const { traces } = await client.call('traces.list', { limit: 50 })
      printRows(io, flags, traces.map(traceRow), traces)
    }
    return EXIT.OK
  })
}

function traceRow(t: Omit<Trace, 'hops'>): Record<string, string | number | null> {
  return {
    id: t.id,
    pipeline: t.pipeline,
    status: t.error ? `${t.status} ${t.error.code}` : t.status,
    route: t.route.join(' → '),
    ms: t.durationMs,
    started: new Date(t.startedAt).toISOString()
  }
}

export async function deleteCommand(
  kind: string,
  name: string,
  flags: RemoteFlags,
  io: CliIO
): Promise<number> {
  if (!['pipeline', 'pipelines', 'pl'].includes(kind)) {
    io.stderr.write(`llmnet: cannot delete "${kind}": use "llmnet delete pipeline NAME"\n`)
    return EXIT.USAGE
  }
  const kube = await kubeContext(io, flags)
  if (kube) return (await kubernetes()).kubeDelete(name, kube, flags, io)
  return remote(io, flags, async (client) => {
    const { removed } = await client.call('pipelines.remove', { name })
    if (!removed) {
      io.stderr.write(`llmnet: pipeline "${name}" not found\n`)
      return EXIT.INVALID
    }
    io.stdout.write(`pipeline.llmnet/${name} deleted\n`)
    return EXIT.OK
  })
}

/**
 * `llmnet default [NAME]`: names the pipeline the model id `llmnet` answers with on the context's
 * server (the app's setting, kept across restarts); without NAME, prints the current one.
 */
export async function defaultCommand(
  name: string | undefined,
  flags: RemoteFlags,
  io: CliIO
): Promise<number> {
  if (await kubeContext(io, flags)) {
    io.stderr.write(
      'llmnet: "default" sets the default pipeline of a desktop app or llmnet serve, not of a Kubernetes context\n'
    )
    return EXIT.USAGE
  }
  return remote(io, flags, async (client) => {
    if (name !== undefined) {
      const { pipelines } = await client.call('pipelines.list', {})
      if (!pipelines.some((p) => p.name === name)) {
        io.stderr.write(`llmnet: no pipeline named "${name}"; see "llmnet get pipelines"\n`)
        return EXIT.INVALID
      }
      await client.call('pipelines.set_default', { name })
    }
    const current = (await client.call('pipelines.list', {})).pipelines.find((p) => p.isDefault)
    if (flags.output === 'json') {
      io.stdout.write(`${JSON.stringify({ defaultPipeline: current?.name ?? null })}\n`)
    } else if (current) {
      io.stdout.write(`${current.name} answers as model "${DEFAULT_ALIAS}"\n`)
    } else {
      io.stdout.write(`no pipeline is served: model "${DEFAULT_ALIAS}" answers nothing yet\n`)
    }
    return EXIT.OK
  })
}

export async function statusCommand(flags: RemoteFlags, io: CliIO): Promise<number> {
  const kube = await kubeContext(io, flags)
  if (kube) {
    if (!checkOutput(io, flags)) return EXIT.USAGE
    return (await kubernetes()).kubeStatus(kube, flags, io)
  }
  return remote(io, flags, async (client, ctx) => {
    const [server, { pipelines }, models] = await Promise.all([
      client.call('server.status', {}),
      client.call('pipelines.list', {}),
      client.call('models.list', {})
    ])
    const status = {
      context: ctx.name,
      url: ctx.url,
      server: server.state,
      endpoint: server.url ? `${server.url}/v1` : null,
      pipelines: pipelines.length,
      serving: pipelines.filter((p) => p.status === 'loaded').length,
      defaultPipeline: pipelines.find((p) => p.isDefault)?.name ?? null,
      modelsLoaded: models.runtime.filter((m) => m.state === 'ready' || m.state === 'busy').length
    }
    if (flags.output === 'json') io.stdout.write(`${JSON.stringify(status, null, 2)}\n`)
    else
      for (const [k, v] of Object.entries(status))
        io.stdout.write(`${`${k}:`.padEnd(17)}${v ?? '-'}\n`)
    return EXIT.OK
  })
}

/** Prints the latest traces, then with `-f` each new one as it finishes, until interrupted. */
export async function logsCommand(
  flags: RemoteFlags & { follow?: boolean; tail?: string; pipeline?: string },
  io: CliIO,
  until: () => Promise<string>,
  name?: string
): Promise<number> {
  const tail = Number(flags.tail ?? 20)
  if (!Number.isInteger(tail) || tail < 0 || tail > 500) {
    io.stderr.write('llmnet: --tail must be a whole number from 0 to 500\n')
    return EXIT.USAGE
  }
  const kube = await kubeContext(io, flags)
  if (kube) {
    if (!name) {
      io.stderr.write('llmnet: usage on a Kubernetes context: llmnet logs PIPELINE [-f]\n')
      return EXIT.USAGE
    }
    return (await kubernetes()).kubeLogs(name, kube, flags, io, until)
  }
  if (name) flags = { ...flags, pipeline: name }
  return remote(io, flags, async (client) => {
    const print = (t: Omit<Trace, 'hops'>): void => {
      if (flags.output === 'json') io.stdout.write(`${JSON.stringify(t)}\n`)
      else {
        const r = traceRow(t)
        io.stdout.write(`${r.started} ${r.pipeline} ${r.status} ${r.ms} ms ${r.route} (${r.id})\n`)
      }
    }
    if (tail > 0) {
      const { traces } = await client.call('traces.list', { limit: tail, pipeline: flags.pipeline })
      for (const t of traces.reverse()) print(t)
    }
    if (!flags.follow) return EXIT.OK
    const stop = new AbortController()
    void until().then(() => stop.abort())
    try {
      const opened = (): void => void io.stderr.write('following traces (Ctrl-C to stop)\n')
      for await (const e of client.events(['trace'], stop.signal, opened)) {
        const t = e.data as Trace
        if (!flags.pipeline || t.pipeline === flags.pipeline) print(t)
      }
    } catch (err) {
      if (!stop.signal.aborted) throw err
    }
    return EXIT.OK
  })
}

// ── registration ──────────────────────────────────────────────────────────────────────────

/** The options every verb that talks to a context takes. */
export const remoteOptions = (c: Command): Command =>
  c
    .option('--context <name>', 'the server to talk to (default: the current context)')
    .option('--config <file>', 'the context file (default: ~/.config/llmnet/config)')
    .option('-o, --output <format>', 'table or json (deploy: yaml too)', 'table')
    .option('-n, --namespace <ns>', 'the Kubernetes namespace (kubernetes contexts)')

/** `llmnet deploy FILE`. */
export function registerDeployCommand(program: Command, io: CliIO, setExit: SetExit): void {
  remoteOptions(
    program
      .command('deploy')
      .description(
        "import a composition into the context's library and serve it; on Kubernetes, apply its objects"
      )
      .argument('<file>')
      .option('--name <name>', 'the pipeline name (default: the file name)')
      .option('--default', 'make it the default pipeline (the model id `llmnet`)')
      .option('--target <target>', 'kubernetes: render for Kubernetes even without such a context')
      .option('--dry-run', 'print the Kubernetes objects (-o yaml or json), contact no cluster')
      .option('--image <image>', 'the llmnet image the pods run (default: llmnet:latest)')
      .option('--replicas <n>', 'replicas (the HPA minimum; default 1)')
      .option('--max-replicas <n>', 'the HPA maximum (default 5)')
      .option('--cpu-target <percent>', 'the HPA CPU utilisation target (default 70)')
      .option('--no-autoscale', 'no HPA: a fixed --replicas')
      .option('--create-secrets', 'create the Secret from this environment and the env files')
      .option('--no-api-key', 'serve the Service without LLMNET_API_KEY (in-cluster clients only)')
      .addOption(
        new Option('--shutdown-grace <seconds>', 'the pods’ drain time on SIGTERM')
          .default('10')
          .argParser(parseSeconds)
      )
  ).action(
    async (
      file: string,
      flags: RemoteFlags & KubeDeployFlags & { target?: string; default?: boolean }
    ) => setExit(await deployCommand(file, flags, io))
  )
}

/** `llmnet default`, `get`, `delete`, `status`, `logs` and `scale`, in that order. */
export function registerClusterCommands(
  program: Command,
  io: CliIO,
  setExit: SetExit,
  signals: () => Promise<string>
): void {
  remoteOptions(
    program
      .command('default')
      .description('show or set the default pipeline, which the model id `llmnet` names')
      .argument('[name]', 'the pipeline to make the default')
  ).action(async (name: string | undefined, flags: RemoteFlags) =>
    setExit(await defaultCommand(name, flags, io))
  )
  remoteOptions(
    program
      .command('get')
      .description('list pipelines, models or traces of the context (Kubernetes: pipelines, pods)')
      .argument('<kind>', 'pipelines | models | traces | pods')
  ).action(async (kind: string, flags: RemoteFlags) => setExit(await getCommand(kind, flags, io)))
  remoteOptions(
    program
      .command('delete')
      .description('delete a pipeline from the context')
      .argument('<kind>', 'pipeline')
      .argument('<name>')
  ).action(async (kind: string, name: string, flags: RemoteFlags) =>
    setExit(await deleteCommand(kind, name, flags, io))
  )
  remoteOptions(
    program.command('status').description("the context's server, pipelines and models")
  ).action(async (flags: RemoteFlags) => setExit(await statusCommand(flags, io)))
  remoteOptions(
    program
      .command('logs')
      .description(
        'print the latest request traces (Kubernetes: the pipeline pods’ logs); -f follows'
      )
      .argument('[pipeline]', 'only this pipeline (required on Kubernetes)')
      .option('-f, --follow', 'keep printing as requests finish')
      .option('--tail <n>', 'how many recent traces (lines) to print first', '20')
      .option('--pipeline <name>', 'only this pipeline')
  ).action(
    async (
      name: string | undefined,
      flags: RemoteFlags & { follow?: boolean; tail?: string; pipeline?: string }
    ) => setExit(await logsCommand(flags, io, signals, name))
  )
  remoteOptions(
    program
      .command('scale')
      .description("set a pipeline's replicas (Kubernetes contexts: the Deployment's scale)")
      .argument('<name>')
      .requiredOption('--replicas <n>', 'the number of replicas')
  ).action(async (name: string, flags: RemoteFlags & { replicas: string }) =>
    setExit(await scaleCommand(name, flags, io))
  )
}
