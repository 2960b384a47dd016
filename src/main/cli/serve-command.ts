/**
 * @module `llmnet run FILE|DIR…`: validates every pipeline, then serves them on the
 * OpenAI-compatible API until SIGINT/SIGTERM, reloading files as they change.
 */
import { readFile } from 'node:fs/promises'
import { type Command, Option } from 'commander'
import { parseDotenv } from '../../shared/config/dotenv'
import type { ModelRuntimeStatus } from '../../shared/models/status'
import { OLLAMA_DOWNLOAD_URL } from '../core/models/ollama/host'
import { pipelineIdFromPath } from '../core/config/load-composition'
import { expandSources } from '../core/pipelines/loader'
import { exposureProblem, isLoopbackAddress } from '../core/server/security'
import { DEFAULT_ALIAS } from '../core/pipelines/registry'
import { createRuntime, type Runtime } from '../runtime'
import { maxFileSizeOption } from './byte-size'
import { formatDryRun } from './dry-run'
import { EXIT } from './exit-codes'
import { formatDiagnostic } from './format-diagnostics'
import type { CliIO } from './io'
import {
  collect,
  type DotenvFlag,
  parsePort,
  parsePositiveInt,
  parseSeconds,
  type SetExit,
  withDotenv
} from './options'
import { createStyle, type Style } from './style'
import { formatTrace } from './trace-format'

export interface ServeFlags {
  port: string
  host: string
  dryRun?: boolean
  envFile?: string
  apiKey?: string
  insecureNoKey?: boolean
  corsOrigin?: string[]
  allowHost?: string[]
  watch?: boolean
  trace?: boolean
  /** `text` (the readable form, as `--trace`) or `json` (one trace per line). */
  traceFormat?: 'text' | 'json'
  /** Seconds without requests before a local model stops (0 = never); a model's own wins. */
  idleUnload?: string
  maxConcurrent?: string
  /** `--max-file-size`: composition files larger than this are refused unread (default 8 MiB). */
  maxFileSize?: number
  /** Seconds requests in flight get to finish after SIGINT/SIGTERM. */
  shutdownGrace?: string
}

/** Loads a dotenv file into `env` without overriding variables that are already set. */
export async function loadEnvFile(file: string, io: CliIO): Promise<boolean> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    io.stderr.write(
      `llmnet: cannot read the env file ${file} (--dotenv): ${(err as Error).message}\n`
    )
    return false
  }
  const { values, problems } = parseDotenv(text)
  for (const p of problems)
    io.stderr.write(`llmnet: ${file}:${p.line}: ${p.message}; line ignored\n`)
  for (const [k, v] of Object.entries(values)) if (io.env[k] === undefined) io.env[k] = v
  return true
}

/**
 * The API key from `--api-key` or `LLMNET_API_KEY`, checked against the bind address: an empty
 * key, or a non-loopback host without a key (unless `--insecure-no-key`), is a usage error.
 * Returns the key (or undefined), or the exit code after printing why.
 */
export function checkExposure(
  flags: Pick<ServeFlags, 'apiKey' | 'insecureNoKey' | 'host' | 'dryRun'>,
  io: CliIO
): string | undefined | number {
  const apiKey = flags.apiKey ?? io.env.LLMNET_API_KEY
  // An empty key is a mistake (an unset variable in a script), never "no auth".
  if (apiKey !== undefined && apiKey.trim() === '') {
    const from = flags.apiKey === undefined ? 'LLMNET_API_KEY' : '--api-key'
    io.stderr.write(`llmnet: ${from} is empty: give a non-empty key, or leave it out\n`)
    return EXIT.USAGE
  }
  const exposed = exposureProblem({ apiKey, allowNoKey: flags.insecureNoKey }, flags.host)
  if (exposed && !flags.dryRun) {
    io.stderr.write(`llmnet: ${exposed}\n`)
    return EXIT.USAGE
  }
  if (flags.insecureNoKey && !apiKey && !flags.dryRun && !isLoopbackAddress(flags.host))
    io.stderr.write(
      `llmnet: WARNING: --insecure-no-key: ${flags.host} serves the API without a key; anyone who can reach this machine can use it\n`
    )
  return apiKey
}

/** Creates a runtime and loads every source; prints diagnostics; undefined when one is invalid. */
export async function loadRuntime(
  sources: string[],
  io: CliIO,
  runtimeOpts: Parameters<typeof createRuntime>[0] = {}
): Promise<{ runtime: Runtime; files: string[] } | undefined> {
  const runtime = createRuntime({ env: io.env, ...runtimeOpts })
  const files = await expandSources(sources)
  if (files.length === 0) {
    io.stderr.write(`llmnet: no composition files found in ${sources.join(', ')}\n`)
    return undefined
  }
  const style = createStyle(io.stderr, io.env)
  let ok = true
  for (const file of files) {
    const loaded = await runtime.pipelineService.loadFile(file)
    for (const d of loaded.diagnostics) io.stderr.write(`${formatDiagnostic(file, d, style)}\n`)
    if (!loaded.ok) {
      io.stderr.write(`llmnet: ${file} is invalid; nothing was started\n`)
      ok = false
    }
  }
  if (!ok) return undefined
  // The first file named is the default pipeline (the `llmnet` model), as in the Rust llmnet.
  runtime.pipelines.setDefault(pipelineIdFromPath(files[0] ?? ''))
  return { runtime, files }
}

/**
 * Checks the local models of every pipeline and prints what is missing, with the pull command.
 * False when one is not ready: `ask` stops there; `run` serves the others, and the waiting ones
 * answer 503 `model_not_ready` (and show as not ready in /status) until their model is there.
 */
export async function preflightModels(
  runtime: Runtime,
  io: CliIO,
  opts: { serving?: boolean } = {}
): Promise<boolean> {
  const check = async (id: string): Promise<boolean> => {
    const p = runtime.pipelines.get(id)
    if (p) await runtime.models.prepare(p)
    // The models' own problems, and an api-key that names an unset variable or secret.
    const problems = p ? runtime.problems(id) : []
    for (const problem of problems) io.stderr.write(`llmnet: ${id}: ${problem}\n`)
    if (problems.length > 0 && opts.serving)
      io.stderr.write(`llmnet: ${id} is not ready; it answers 503 model_not_ready until then\n`)
    return problems.length === 0
  }
  let ok = true
  for (const p of runtime.pipelines.list()) if (!(await check(p.id))) ok = false
  // A reloaded pipeline may name other models.
  if (opts.serving)
    runtime.events.on('pipeline.loaded', (e) => void check(e.id).catch(() => undefined))
  return ok
}

/**
 * Warns when a composition runs models on Ollama and Ollama is neither running nor installed
 * (the pipeline still serves; its requests fail until Ollama is there).
 */
async function checkOllama(runtime: Runtime, io: CliIO, style: Style): Promise<void> {
  const users = runtime.models.usesOllama(runtime.pipelines.list())
  if (users.length === 0) return
  const ollama = await runtime.models.ollamaStatus()
  if (ollama.installed) return
  const names = users.map((u) => `${u.pipeline}: model "${u.key}"`).join(', ')
  io.stderr.write(
    `llmnet: ${style.yellow('warning')}: Ollama is not running at ${ollama.host} and is not installed, but ${names} run on it; install it from ${OLLAMA_DOWNLOAD_URL} (or set OLLAMA_HOST to where it runs)\n`
  )
}

/**
 * Prints model state changes once each: `ready` when a model has loaded (not after every
 * request, which goes busy → ready), `stopped`, and each new error.
 */
function modelStatusPrinter(io: CliIO): (m: ModelRuntimeStatus) => void {
  const last = new Map<string, { state: string; error: string | null }>()
  return (m) => {
    const id = `${m.pipeline ?? ''}\u0000${m.key}`
    const before = last.get(id)
    last.set(id, { state: m.state, error: m.lastError })
    const changed =
      m.state === 'ready'
        ? before?.state !== 'ready' && before?.state !== 'busy'
        : m.state === 'stopped'
          ? before !== undefined && before.state !== 'stopped'
          : m.state === 'error' && (before?.state !== 'error' || before.error !== m.lastError)
    if (!changed) return
    io.stderr.write(
      `llmnet: model ${m.key} ${m.state}${m.lastError && m.state === 'error' ? `: ${m.lastError}` : ''}\n`
    )
  }
}

export async function serveCommand(
  sources: string[],
  flags: ServeFlags,
  io: CliIO,
  untilSignal: () => Promise<string>
): Promise<number> {
  // Caught from the start: a SIGTERM during the model checks or before listening still shuts
  // down cleanly instead of killing the process by the signal's default action.
  const signalled = untilSignal()
  if (flags.envFile && !(await loadEnvFile(flags.envFile, io))) return EXIT.INVALID
  const apiKey = checkExposure(flags, io)
  if (typeof apiKey === 'number') return apiKey
  const loaded = await loadRuntime(sources, io, {
    server: {
      host: flags.host,
      apiKey,
      allowNoKey: flags.insecureNoKey,
      corsOrigins: flags.corsOrigin ?? [],
      allowedHosts: flags.allowHost ?? [],
      ...(flags.maxConcurrent ? { maxConcurrent: Number(flags.maxConcurrent) } : {})
    },
    ...(flags.idleUnload !== undefined && { idleTtlMs: Number(flags.idleUnload) * 1000 }),
    maxFileBytes: flags.maxFileSize
  })
  if (!loaded) return EXIT.INVALID
  const { runtime, files } = loaded
  if (flags.dryRun) {
    const style = createStyle(io.stdout, io.env)
    for (const p of runtime.pipelines.list()) {
      io.stdout.write(formatDryRun(p.composition, { id: p.id, path: p.path ?? p.id }, style))
    }
    return EXIT.OK
  }
  await preflightModels(runtime, io, { serving: true })
  const err = createStyle(io.stderr, io.env)
  await checkOllama(runtime, io, err)
  runtime.events.on('model.status', modelStatusPrinter(io))
  runtime.events.on('pipeline.loaded', (e) => {
    if (e.reloaded) io.stderr.write(`llmnet: reloaded ${e.id} from ${e.path}\n`)
  })
  runtime.events.on('pipeline.reload_failed', (e) => {
    io.stderr.write(
      `llmnet: ${err.yellow(`kept the previous ${e.id}`)}: the edited file is invalid:\n  ${e.errors.join('\n  ')}\n`
    )
  })
  const traceFormat = flags.traceFormat ?? (flags.trace ? 'text' : undefined)
  if (traceFormat === 'json')
    runtime.events.on('trace', (t) => io.stderr.write(`${JSON.stringify(t)}\n`))
  else if (traceFormat === 'text')
    runtime.events.on('trace', (t) => io.stderr.write(formatTrace(t, err)))
  let server
  try {
    server = await runtime.listen(Number(flags.port))
  } catch (e) {
    io.stderr.write(
      `llmnet: cannot listen on ${flags.host}:${flags.port}: ${(e as Error).message}\n`
    )
    await runtime.stop()
    return EXIT.RUNTIME
  }
  if (flags.watch !== false) runtime.pipelineService.watch(files)
  const ids = runtime.pipelines.list().map((p) => p.id)
  io.stdout.write(
    `llmnet serving ${ids.length === 1 ? 'pipeline' : 'pipelines'} ${ids.join(', ')} (default: ${DEFAULT_ALIAS} → ${ids[0]})\n`
  )
  io.stdout.write(`OpenAI-compatible API: ${server.url}/v1\n`)
  if (apiKey) io.stdout.write('API key required (Authorization: Bearer …)\n')
  const signal = await signalled
  const graceMs = Number(flags.shutdownGrace ?? 10) * 1000
  // Printed once stop() has stopped accepting (its synchronous part).
  const stopped = runtime.stop({ graceMs })
  io.stderr.write(`llmnet: ${signal}, shutting down (grace ${graceMs / 1000} s)\n`)
  await stopped
  return EXIT.OK
}

/** `llmnet run SOURCES…`. */
export function registerRunCommand(
  program: Command,
  io: CliIO,
  setExit: SetExit,
  signals: () => Promise<string>
): void {
  program
    .command('run')
    .description(
      'serve pipelines on an OpenAI-compatible API (or print their topology with --dry-run)'
    )
    .argument(
      '<sources...>',
      'composition files, or directories of them; each is served as model <file name>'
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (0 picks a free one)')
        .default('8080')
        .argParser(parsePort)
    )
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--dry-run', 'print layers, nodes, edges, conditions and models, then exit')
    .option('--dotenv <file>', 'load environment variables from a dotenv file first')
    .option('--env-file <file>', 'the same as --dotenv (Node 20 takes this name itself)')
    .option('--api-key <key>', 'require this bearer key (default: $LLMNET_API_KEY)')
    .option(
      '--insecure-no-key',
      'serve a non-loopback --host without an API key (anyone on the network can use it)'
    )
    .option('--cors-origin <origin>', 'allow browser calls from this origin (repeatable)', collect)
    .option(
      '--allow-host <name>',
      'accept this Host header besides localhost (repeatable)',
      collect
    )
    .addOption(
      new Option('--max-concurrent <n>', 'requests in flight before answering 429')
        .default('256')
        .argParser(parsePositiveInt)
    )
    .addOption(
      new Option(
        '--shutdown-grace <seconds>',
        'on SIGINT/SIGTERM, time requests in flight get to finish'
      )
        .default('10')
        .argParser(parseSeconds)
    )
    .option('--no-watch', 'do not reload pipelines when their files change')
    .addOption(maxFileSizeOption())
    .option('--trace', "print each request's trace to stderr (readable)")
    .addOption(
      new Option(
        '--trace-format <format>',
        "print each request's trace to stderr: text (as --trace) or json (one trace per line)"
      ).choices(['text', 'json'])
    )
    .addOption(
      new Option(
        '--idle-unload <seconds>',
        'stop a local model after this long without requests (0 = never; default 600)'
      ).argParser(parseSeconds)
    )
    .action(async (sources: string[], flags: ServeFlags & DotenvFlag) => {
      setExit(await serveCommand(sources, withDotenv(flags), io, signals))
    })
}
