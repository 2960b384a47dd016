/**
 * @module `llmnet run FILE|DIR…`: validates every pipeline, then serves them on the
 * OpenAI-compatible API until SIGINT/SIGTERM, reloading files as they change.
 */
import { readFile } from 'node:fs/promises'
import { parseDotenv } from '../../shared/config/dotenv'
import type { ModelRuntimeStatus } from '../../shared/models/status'
import { OLLAMA_DOWNLOAD_URL } from '../core/models/ollama-host'
import { pipelineIdFromPath } from '../core/config/load-composition'
import { expandSources } from '../core/pipelines/loader'
import { exposureProblem, isLoopbackAddress } from '../core/server/security'
import { DEFAULT_ALIAS } from '../core/pipelines/registry'
import { createRuntime, type Runtime } from '../runtime'
import { formatDryRun } from './dry-run'
import { EXIT } from './exit-codes'
import { formatDiagnostic } from './format-diagnostics'
import type { CliIO } from './io'
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
    ...(flags.idleUnload !== undefined && { idleTtlMs: Number(flags.idleUnload) * 1000 })
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
  // Listen for SIGINT/SIGTERM before printing the URL: a script (or a test) that stops llmnet as
  // soon as it reads the URL must get a graceful stop, not Node's default kill (exit by signal).
  const signalled = untilSignal()
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
