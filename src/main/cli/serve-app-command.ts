/**
 * @module `llmnet serve [--ui]`: the whole app runtime headless — the OpenAI-compatible API, the
 * control API (`/api`, the same routes the desktop app's window uses) and, with `--ui`, the built
 * renderer at `/`. It prints a URL carrying the access token, as Jupyter does.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultDataDir } from '../core/paths'
import { DataDirLockedError } from '../core/storage/lock'
import { StorageError } from '../core/storage/errors'
import { createAppRuntime } from '../runtime'
import { EXIT } from './exit-codes'
import type { CliIO } from './io'
import { checkExposure } from './serve-command'

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
}

/** The package's folder: where package.json names `llmnet` (bundled CLI or source checkout). */
export function packageRoot(from = fileURLToPath(import.meta.url)): string | undefined {
  let dir = dirname(from)
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'llmnet')
          return dir
      } catch {
        // not ours: keep looking
      }
    }
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}

export async function serveAppCommand(
  flags: ServeAppFlags,
  io: CliIO,
  untilSignal: () => Promise<string>
): Promise<number> {
  const host = flags.host
  const apiKey = checkExposure({ ...flags, host: host ?? '127.0.0.1' }, io)
  if (typeof apiKey === 'number') return apiKey
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
  const names = app.runtime.pipelines.list().map((p) => p.id)
  io.stdout.write(`llmnet serving ${names.length} pipeline(s) from ${dataDir}\n`)
  io.stdout.write(`OpenAI-compatible API: ${state.url}/v1\n`)
  io.stdout.write(`Control API: ${state.url}/api (token in ${join(dataDir, 'access-token')})\n`)
  if (uiDir) io.stdout.write(`Open the UI: ${state.url}/?token=${app.token}\n`)
  const signal = await untilSignal()
  const graceMs = Number(flags.shutdownGrace ?? 10) * 1000
  io.stderr.write(`llmnet: ${signal}, shutting down (grace ${graceMs / 1000} s)\n`)
  await app.stop({ graceMs })
  return EXIT.OK
}
