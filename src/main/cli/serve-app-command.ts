/**
 * @module `llmnet serve [--ui]`: the whole app runtime headless — the OpenAI-compatible API, the
 * control API (`/api`, the same routes the desktop app's window uses) and, with `--ui`, the built
 * renderer at `/`. It prints a URL carrying the access token, as Jupyter does.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type Command, Option } from 'commander'
import { packageRoot } from '../core/package-root'
import { defaultDataDir } from '../core/paths'
import { DataDirLockedError } from '../core/storage/lock'
import { StorageError } from '../core/storage/errors'
import { type AppRuntime, createAppRuntime } from '../runtime'
import { EXIT } from './exit-codes'
import type { CliIO } from './io'
import { collect, parsePort, parseSeconds, type SetExit } from './options'
import { checkExposure } from './serve-command'
import {
  createServeLog,
  type LogFormat,
  parseLogFormat,
  type ServeLog
} from './kubernetes/serve-log'
import { serveStateless } from './kubernetes/stateless-serve'

export interface ServeAppFlags {
  port?: string
  host?: string
  ui?: boolean
  dataDir?: string
  newToken?: boolean
  apiKey?: string
  insecureNoKey?: boolean
  allowHost?: string[]
  corsOrigin?: string[]
  shutdownGrace?: string
  /** A replica for a pod: no data folder state, pipelines read-only from `pipelines`. */
  stateless?: boolean
  pipelines?: string
  logFormat?: string
  watch?: boolean
}

export async function serveAppCommand(
  flags: ServeAppFlags,
  io: CliIO,
  untilSignal: () => Promise<string>
): Promise<number> {
  // Caught from the start: a SIGTERM while the store opens or the server starts still shuts
  // down cleanly instead of killing the process by the signal's default action.
  const signalled = untilSignal()
  const host = flags.host
  const apiKey = checkExposure({ ...flags, host: host ?? '127.0.0.1' }, io)
  if (typeof apiKey === 'number') return apiKey
  const format = parseLogFormat(flags.logFormat, io)
  if (!format) return EXIT.USAGE
  const log = createServeLog(format, io)
  if (flags.stateless || flags.pipelines)
    return serveReplica(flags, apiKey, io, log, () => signalled)
  let uiDir: string | undefined
  if (flags.ui) {
    const root = packageRoot()
    uiDir = root && join(root, 'out', 'renderer')
    if (!uiDir || !existsSync(join(uiDir, 'index.html'))) {
      io.stderr.write(
        `llmnet: --ui needs the built renderer (${uiDir ?? 'out/renderer'} has no index.html): run "npm run build" in the llmnet folder first\n`
      )
      return EXIT.RUNTIME
    }
  }
  const dataDir = flags.dataDir ? resolve(flags.dataDir) : defaultDataDir(io.env)
  let app
  try {
    app = await createAppRuntime({
      dataDir,
      env: io.env,
      uiDir,
      rotateToken: flags.newToken,
      server: {
        ...(host ? { host } : {}),
        apiKey,
        allowNoKey: flags.insecureNoKey,
        allowedHosts: flags.allowHost ?? [],
        corsOrigins: flags.corsOrigin ?? []
      }
    })
  } catch (err) {
    if (err instanceof DataDirLockedError || err instanceof StorageError) {
      io.stderr.write(`llmnet: ${err.message}\n`)
      return EXIT.RUNTIME
    }
    throw err
  }
  const port = flags.port === undefined ? undefined : Number(flags.port)
  const state = await app.start({ host, port: port ?? app.store.settings.get('server').port })
  if (state.state !== 'running' || !state.url) {
    io.stderr.write(`llmnet: cannot start the server: ${state.error ?? state.state}\n`)
    await app.stop({ graceMs: 0 })
    return EXIT.RUNTIME
  }
  announce(app, { url: state.url, dataDir, ui: uiDir !== undefined, format }, io, log)
  const signal = await signalled
  const graceMs = Number(flags.shutdownGrace ?? 10) * 1000
  log('warn', 'server.stopping', `${signal}, shutting down (grace ${graceMs / 1000} s)`, {
    signal,
    graceMs
  })
  await app.stop({ graceMs })
  return EXIT.OK
}

/** `--stateless --pipelines DIR`: a replica for a pod (kubernetes/stateless-serve.ts). */
function serveReplica(
  flags: ServeAppFlags,
  apiKey: string | undefined,
  io: CliIO,
  log: ServeLog,
  untilSignal: () => Promise<string>
): Promise<number> | number {
  const host = flags.host
  if (!flags.stateless || !flags.pipelines || flags.ui || flags.newToken) {
    io.stderr.write(
      'llmnet: usage: llmnet serve --stateless --pipelines DIR (no --ui or --new-token: a stateless replica has no control API)\n'
    )
    return EXIT.USAGE
  }
  const server = {
    host: host ?? '127.0.0.1',
    apiKey,
    allowNoKey: flags.insecureNoKey,
    allowedHosts: flags.allowHost ?? [],
    corsOrigins: flags.corsOrigin ?? []
  }
  return serveStateless(
    {
      pipelines: resolve(flags.pipelines),
      host: server.host,
      port: flags.port === undefined ? 8080 : Number(flags.port),
      dataDir: flags.dataDir ? resolve(flags.dataDir) : undefined,
      server,
      watch: flags.watch !== false,
      graceMs: Number(flags.shutdownGrace ?? 10) * 1000
    },
    io,
    log,
    untilSignal
  )
}

/** What the running server says at start, and the pipeline events it logs from then on. */
function announce(
  app: AppRuntime,
  at: { url: string; dataDir: string; ui: boolean; format: LogFormat },
  io: CliIO,
  log: ServeLog
): void {
  const { url, dataDir, format } = at
  const names = app.runtime.pipelines.list().map((p) => p.id)
  log('info', 'server.ready', `llmnet serving ${names.length} pipeline(s) from ${dataDir}`, {
    pipelines: names,
    dataDir
  })
  log('info', 'server.listening', `OpenAI-compatible API: ${url}/v1`, { url })
  log(
    'info',
    'control.listening',
    `Control API: ${url}/api (token in ${join(dataDir, 'access-token')})`
  )
  // A pipeline that cannot answer yet (an unset api-key variable…) is said at start and on each
  // load, not discovered by a client's 503.
  const warnNotReady = (id: string): void => {
    for (const problem of app.runtime.problems(id))
      log('warn', 'pipeline.not_ready', `${id}: ${problem}; it answers 503 model_not_ready`, {
        pipeline: id,
        problem
      })
  }
  for (const id of names) warnNotReady(id)
  app.runtime.events.on('pipeline.loaded', (e) => warnNotReady(e.id))
  // The token-bearing URL is for the terminal only, never for a log collector.
  if (at.ui && format === 'text') io.stdout.write(`Open the UI: ${url}/?token=${app.token}\n`)
  if (format === 'json') {
    const events = app.runtime.events
    events.on('pipeline.loaded', (e) =>
      log('info', 'pipeline.loaded', `loaded ${e.id}`, { pipeline: e.id, reloaded: e.reloaded })
    )
    events.on('pipeline.reload_failed', (e) =>
      log('warn', 'pipeline.reload_failed', `kept the previous ${e.id}`, {
        pipeline: e.id,
        errors: e.errors
      })
    )
  }
}

/** `llmnet serve`. */
export function registerServeCommand(
  program: Command,
  io: CliIO,
  setExit: SetExit,
  signals: () => Promise<string>
): void {
  program
    .command('serve')
    .description(
      'run the app runtime headless: the OpenAI API, the control API, and with --ui the web UI'
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (default: the settings, 8080)').argParser(
        parsePort
      )
    )
    .option('--host <host>', 'address to bind (default: the settings, 127.0.0.1)')
    .option('--ui', 'serve the web UI at / (opened with the printed ?token= URL)')
    .option('--data-dir <dir>', 'the data folder (default: $LLMNET_DATA_DIR or the platform’s)')
    .option('--new-token', 'replace the access token (the old URL and contexts stop working)')
    .option('--api-key <key>', 'require this bearer key on /v1 (default: $LLMNET_API_KEY)')
    .option(
      '--insecure-no-key',
      'serve a non-loopback --host without an API key (anyone on the network can use it)'
    )
    .option(
      '--cors-origin <origin>',
      'allow browser calls to /v1 from this origin (repeatable)',
      collect
    )
    .option(
      '--allow-host <name>',
      'accept this Host header besides localhost (repeatable)',
      collect
    )
    .addOption(
      new Option(
        '--shutdown-grace <seconds>',
        'on SIGINT/SIGTERM, time requests in flight get to finish'
      )
        .default('10')
        .argParser(parseSeconds)
    )
    .option(
      '--stateless',
      'a replica (Kubernetes): no database, lock or control API; traces to stdout as JSON'
    )
    .option('--pipelines <dir>', 'with --stateless: serve the compositions in this folder')
    .option('--log-format <format>', 'text or json (one JSON object a line on stdout)', 'text')
    .option('--no-watch', 'with --stateless: do not reload the folder’s files')
    .action(async (flags: ServeAppFlags) => {
      setExit(await serveAppCommand(flags, io, signals))
    })
}
