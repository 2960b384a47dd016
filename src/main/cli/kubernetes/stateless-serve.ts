/**
 * @module `llmnet serve --stateless --pipelines DIR`: a replica for a pod. No SQLite, no data
 * folder lock, no control API; the pipelines come read-only from DIR (a mounted ConfigMap,
 * reloaded when kubelet swaps its `..data` link) and every trace goes to stdout as a JSON line.
 * It listens first, so `/health` answers while it loads and warms its models; `/ready` answers
 * 200 only after that.
 */
import { pipelineIdFromPath } from '../../core/config/load-composition'
import { AppError } from '../../core/errors'
import { expandSources } from '../../core/pipelines/loader'
import type { ServerOptions } from '../../core/server/app'
import { createRuntime, type Runtime } from '../../runtime'
import { EXIT } from '../exit-codes'
import type { CliIO } from '../io'
import { createServeLog, type ServeLog } from './serve-log'

export interface StatelessOptions {
  pipelines: string
  host: string
  port: number
  dataDir?: string
  server: Partial<ServerOptions>
  watch: boolean
  graceMs: number
}

/** Starts every local model of every pipeline now, so the first request does not wait. */
async function warm(runtime: Runtime, log: ServeLog): Promise<void> {
  for (const p of runtime.pipelines.list()) {
    for (const key of Object.keys(p.composition.models)) {
      try {
        await runtime.models.load(p, key)
        log('info', 'model.warm', `${p.id}: model ${key} is warm`, { pipeline: p.id, model: key })
      } catch (err) {
        // A model served by its own endpoint (a model server) has nothing to warm.
        if (err instanceof AppError && err.code === 'invalid_request') continue
        log('warn', 'model.warm_failed', `${p.id}: model ${key}: ${(err as Error).message}`, {
          pipeline: p.id,
          model: key
        })
      }
    }
  }
}

export async function serveStateless(
  opts: StatelessOptions,
  io: CliIO,
  log: ServeLog,
  untilSignal: () => Promise<string>
): Promise<number> {
  const files = await expandSources([opts.pipelines]).catch(() => [] as string[])
  if (files.length === 0) {
    log('error', 'pipeline.none', `no composition files found in ${opts.pipelines}`)
    return EXIT.INVALID
  }
  const runtime = createRuntime({
    env: io.env,
    dataDir: opts.dataDir,
    server: opts.server,
    startUnready: true
  })
  // Traces go to stdout as JSON lines whatever the log format: they replace the trace database.
  const traces = createServeLog('json', io)
  runtime.events.on('trace', (t) =>
    traces('info', 'trace', `${t.pipeline} ${t.status}`, { trace: t })
  )
  runtime.events.on('pipeline.loaded', (e) => {
    if (e.reloaded) log('info', 'pipeline.reloaded', `reloaded ${e.id}`, { pipeline: e.id })
  })
  runtime.events.on('pipeline.reload_failed', (e) =>
    log('warn', 'pipeline.reload_failed', `kept the previous ${e.id}: ${e.errors.join('; ')}`, {
      pipeline: e.id,
      errors: e.errors
    })
  )
  runtime.events.on('model.status', (m) => {
    if (m.state === 'ready' || m.state === 'error')
      log(m.state === 'error' ? 'warn' : 'info', 'model.status', `model ${m.key} ${m.state}`, {
        model: m.key,
        state: m.state,
        error: m.lastError
      })
  })
  let server
  try {
    server = await runtime.listen(opts.port)
  } catch (e) {
    log(
      'error',
      'server.failed',
      `cannot listen on ${opts.host}:${opts.port}: ${(e as Error).message}`
    )
    await runtime.stop({ graceMs: 0 })
    return EXIT.RUNTIME
  }
  log('info', 'server.listening', `OpenAI-compatible API: ${server.url}/v1`, { url: server.url })
  let ok = true
  for (const file of files) {
    const loaded = await runtime.pipelineService.loadFile(file)
    for (const d of loaded.diagnostics)
      log(
        d.severity === 'error' ? 'error' : 'warn',
        'pipeline.diagnostic',
        `${file}:${d.line}:${d.column}: ${d.message}`,
        {
          file,
          line: d.line,
          column: d.column,
          code: d.code
        }
      )
    if (!loaded.ok) ok = false
  }
  if (!ok) {
    log('error', 'pipeline.invalid', `invalid pipelines in ${opts.pipelines}; stopping`)
    await runtime.stop({ graceMs: 0 })
    return EXIT.INVALID
  }
  runtime.pipelines.setDefault(pipelineIdFromPath(files[0] ?? ''))
  for (const p of runtime.pipelines.list()) {
    await runtime.models.prepare(p)
    for (const problem of runtime.problems(p.id))
      log('warn', 'model.not_ready', `${p.id}: ${problem}`, { pipeline: p.id })
  }
  await warm(runtime, log)
  if (opts.watch) runtime.pipelineService.watch(files)
  runtime.markReady()
  const ids = runtime.pipelines.list().map((p) => p.id)
  log('info', 'server.ready', `serving ${ids.join(', ')} (stateless)`, { pipelines: ids })
  const signal = await untilSignal()
  log('info', 'server.stopping', `${signal}, shutting down (grace ${opts.graceMs / 1000} s)`, {
    signal,
    graceMs: opts.graceMs
  })
  await runtime.stop({ graceMs: opts.graceMs })
  log('info', 'server.stopped', 'stopped')
  return EXIT.OK
}
