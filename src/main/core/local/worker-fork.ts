/**
 * @module How a llama.cpp worker process is started: which module to run (the `.ts` source through
 * tsx in a checkout, the bundled `llama-worker.mjs` in a build) and the small child-process
 * interface the handle needs, which Node's `child_process.fork` and Electron's `utilityProcess`
 * both adapt to.
 */
import { fork as nodeForkImpl } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ParentToWorker } from './protocol'

/** The module a worker runs and the Node flags it needs. */
export interface WorkerEntry {
  modulePath: string
  execArgv: string[]
}

/** The little a handle needs from a child process; Node's `ChildProcess` and Electron's `UtilityProcess` both adapt to it. */
export interface WorkerChild {
  readonly pid: number | undefined
  send(message: ParentToWorker): void
  kill(signal: 'SIGTERM' | 'SIGKILL'): void
  onMessage(listener: (message: unknown) => void): void
  onExit(listener: (code: number | null, signal: string | null) => void): void
  /** Lines the worker writes to stderr (optional: used to explain a crash). */
  onStderr?(listener: (text: string) => void): void
}

/** Starts a worker: `entry` with `args` (argv[2] is the JSON {@link WorkerParams}). */
export type ForkLike = (entry: WorkerEntry, args: readonly string[]) => WorkerChild

/**
 * The worker module to fork. In a source checkout (the `.ts` worker sits next to this module) the
 * worker runs through tsx (`--import tsx`); in a bundled build this module is inside
 * `out/cli/cli.mjs` and the worker is the separately bundled `llama-worker.mjs` beside it.
 * `bundled` (default: the LLMNET_WORKER_BUNDLE variable, which the test suite sets to a fresh
 * bundle) names a bundled worker to fork instead: no tsx start-up per worker.
 */
export function workerEntry(
  fromUrl: string = import.meta.url,
  bundled: string | undefined = process.env.LLMNET_WORKER_BUNDLE
): WorkerEntry {
  if (bundled && isAbsolute(bundled) && existsSync(bundled)) {
    return { modulePath: bundled, execArgv: [] }
  }
  const dir = dirname(fileURLToPath(fromUrl))
  const source = join(dir, 'llama-worker.ts')
  if (existsSync(source)) return { modulePath: source, execArgv: ['--import', tsxLoader(fromUrl)] }
  return { modulePath: join(dir, 'llama-worker.mjs'), execArgv: [] }
}

/** tsx's loader as a file URL, so the child resolves it whatever its working directory. */
function tsxLoader(fromUrl: string): string {
  try {
    return pathToFileURL(createRequire(fromUrl).resolve('tsx')).href
  } catch {
    return 'tsx'
  }
}

/** {@link ForkLike} with Node's `child_process.fork`: headless, IPC, stderr piped. */
export const nodeFork: ForkLike = (entry, args) => {
  const child = nodeForkImpl(entry.modulePath, [...args], {
    execArgv: entry.execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    windowsHide: true
  })
  const stderrListeners: ((text: string) => void)[] = []
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (text: string) => {
    for (const l of stderrListeners) l(text)
  })
  // A send to a dead child raises asynchronously; the exit event reports the death.
  child.on('error', () => undefined)
  return {
    get pid() {
      return child.pid
    },
    send: (message) => {
      if (child.connected) child.send(message, (err) => void err)
    },
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.once('exit', listener),
    onStderr: (listener) => void stderrListeners.push(listener)
  }
}
