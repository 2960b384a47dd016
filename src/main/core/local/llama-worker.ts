/**
 * @module Entry of the child process that serves one GGUF model (see {@link ./process.ts} for the
 * parent side). Started headless with `child_process.fork` (or Electron's `utilityProcess.fork`);
 * in a source checkout the parent runs this file through tsx, a bundled build runs
 * `out/cli/llama-worker.mjs`.
 *
 * Parameters ({@link WorkerParams}) arrive as JSON in `argv[2]`, or else in a first IPC message
 * `{type:'start', params}`. The worker listens on 127.0.0.1 (any free port) at once, so `GET /health`
 * answers `loading` while the model loads, then sends `{type:'ready', port, …}`. A failure is sent as
 * `{type:'error', code, message}` before the process exits with a distinct code
 * ({@link WORKER_EXIT}). It exits cleanly (model and context disposed) on SIGTERM, SIGINT, an IPC
 * `{type:'shutdown'}`, or when its parent disconnects. Without an IPC channel (run by hand), the
 * messages are printed to stdout as JSON lines.
 */
import { installForkRelay, type RelayPort } from './fork-relay'
import { LlamaModelServer } from './llama-server'
import { validateParams, WorkerFailure } from './worker-checks'
import { WORKER_EXIT, type WorkerParams, type WorkerToParent } from './protocol'

/** The IPC channel to the parent: Node's `process.send`, Electron's `process.parentPort`, or stdout. */
interface Channel {
  send(message: WorkerToParent): Promise<void>
  onMessage(listener: (message: unknown) => void): void
}

interface ParentPortLike {
  postMessage(message: unknown): void
  on(event: 'message', listener: (event: { data: unknown }) => void): void
}

function parentChannel(): Channel {
  const send = process.send?.bind(process)
  if (send) {
    return {
      send: (message) =>
        new Promise((resolve) => {
          if (!process.connected) return resolve()
          send(message, undefined, undefined, () => resolve())
        }),
      onMessage: (listener) => void process.on('message', listener)
    }
  }
  const port = (process as unknown as { parentPort?: ParentPortLike }).parentPort
  if (port) {
    return {
      send: (message) => {
        port.postMessage(message)
        return Promise.resolve()
      },
      onMessage: (listener) => port.on('message', (event) => listener(event.data))
    }
  }
  return {
    send: (message) =>
      new Promise((resolve) =>
        process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve())
      ),
    onMessage: () => undefined
  }
}

const EXIT_FOR: Record<WorkerFailure['code'], number> = {
  bad_params: WORKER_EXIT.badParams,
  insufficient_memory: WORKER_EXIT.insufficientMemory,
  load_failed: WORKER_EXIT.loadFailed,
  runtime: WORKER_EXIT.runtime
}

async function main(): Promise<void> {
  const channel = parentChannel()
  // In an Electron utility process node-llama-cpp's binary test forks through the parent.
  const port = (process as unknown as { parentPort?: RelayPort }).parentPort
  if (port) installForkRelay(port)
  // Set once the parameters are known; read by the exit path whenever it runs.
  const current: { server?: LlamaModelServer } = {}
  let exiting = false

  const exit = async (code: number): Promise<void> => {
    if (exiting) return
    exiting = true
    // Bounded: a hung dispose must not keep the process alive.
    const force = setTimeout(() => process.exit(code), 3000)
    force.unref()
    try {
      await current.server?.close()
    } catch (err) {
      process.stderr.write(`dispose failed: ${(err as Error).message}\n`)
    }
    process.exit(code)
  }
  const fail = async (err: unknown): Promise<void> => {
    const failure =
      err instanceof WorkerFailure
        ? err
        : new WorkerFailure('runtime', (err as Error)?.message ?? String(err))
    process.stderr.write(`${failure.code}: ${failure.message}\n`)
    await channel.send({ type: 'error', code: failure.code, message: failure.message })
    await exit(EXIT_FOR[failure.code])
  }

  process.once('SIGTERM', () => void exit(WORKER_EXIT.ok))
  process.once('SIGINT', () => void exit(WORKER_EXIT.ok))
  process.once('disconnect', () => void exit(WORKER_EXIT.ok))
  process.on('uncaughtException', (err) => void fail(err))
  process.on('unhandledRejection', (err) => void fail(err))

  const params = await new Promise<WorkerParams>((resolve, reject) => {
    channel.onMessage((message) => {
      const m = message as { type?: string; params?: unknown }
      if (m?.type === 'shutdown') void exit(WORKER_EXIT.ok)
      else if (m?.type === 'start') {
        try {
          resolve(validateParams(m.params))
        } catch (err) {
          reject(err)
        }
      }
    })
    const arg = process.argv[2]
    if (arg) {
      try {
        resolve(validateParams(JSON.parse(arg)))
      } catch (err) {
        reject(
          err instanceof WorkerFailure
            ? err
            : new WorkerFailure(
                'bad_params',
                `argv[2] is not JSON parameters: ${(err as Error).message}`
              )
        )
      }
    }
  }).catch(async (err: unknown) => {
    await fail(err)
    return undefined
  })
  if (!params || exiting) return

  const server = new LlamaModelServer(params, {
    onRequestStart: () => void channel.send({ type: 'request-start' }),
    onRequest: (m) => void channel.send(m)
  })
  current.server = server
  try {
    const port = await server.listen(0)
    const ready = await server.load(port)
    if (exiting) return
    await channel.send(ready)
  } catch (err) {
    await fail(err)
  }
}

void main()
