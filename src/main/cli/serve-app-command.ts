/**
 * @module `llmnet serve [--ui]`: the whole app runtime headless — the OpenAI-compatible API, the
 * control API (`/api`, the same routes the desktop app's window uses) and, with `--ui`, the built
 * renderer at `/`. It prints a URL carrying the access token, as Jupyter does.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { packageRoot } from '../core/package-root'
import { defaultDataDir } from '../core/paths'
import { DataDirLockedError } from '../core/storage/lock'
import { StorageError } from '../core/storage/errors'
import { createAppRuntime } from '../runtime'
import { EXIT } from './exit-codes'
import type { CliIO } from './io'
import { checkExposure } from './serve-command'
import { createServeLog, parseLogFormat } from './kubernetes/serve-log'
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
  const host = flags.host
  const apiKey = checkExposure({ ...flags, host: host ?? '127.0.0.1' }, io)
  if (typeof apiKey === 'number') return apiKey
  const format = parseLogFormat(flags.logFormat, io)
  if (!format) return EXIT.USAGE
  const log = createServeLog(format, io)
  if (flags.stateless || flags.pipelines) {
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
  // Listen for SIGINT/SIGTERM before saying "ready": a script that stops the server as soon as
  // it sees the URL must get a graceful stop, not Node's default kill.
  const signalled = untilSignal()
  const names = app.runtime.pipelines.list().map((p) => p.id)
  log('info', 'server.ready', `llmnet serving ${names.length} pipeline(s) from ${dataDir}`, {
    pipelines: names,
    dataDir
  })
  log('info', 'server.listening', `OpenAI-compatible API: ${state.url}/v1`, { url: state.url })
  log(
    'info',
    'control.listening',
    `Control API: ${state.url}/api (token in ${join(dataDir, 'access-token')})`
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
  if (uiDir && format === 'text') io.stdout.write(`Open the UI: ${state.url}/?token=${app.token}\n`)
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
  const signal = await signalled
  const graceMs = Number(flags.shutdownGrace ?? 10) * 1000
  log('warn', 'server.stopping', `${signal}, shutting down (grace ${graceMs / 1000} s)`, {
    signal,
    graceMs
  })
  await app.stop({ graceMs })
  return EXIT.OK
}
