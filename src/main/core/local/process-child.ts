/**
 * @module One forked llama.cpp worker as its handle ({@link ./process.ts}) sees it: the fork with
 * its listeners, the stderr tail kept to explain a crash, and the bounded two-stage stop.
 */
import type { ErrorMessage, ReadyMessage, WorkerParams } from './protocol'
import type { ForkLike, WorkerChild, WorkerEntry } from './worker-fork'

const STDERR_TAIL_LINES = 20

/** One forked worker and what it told us. */
export interface Spawned {
  child: WorkerChild
  exited: Promise<void>
  hasExited: boolean
  exit?: { code: number | null; signal: string | null }
  error?: ErrorMessage
  ready?: ReadyMessage
  stderr: string[]
  servedRequest: boolean
}

/**
 * Forks the worker with its parameters as argv[2]. `on.spawned` runs before any listener is
 * attached, so the handle has adopted the worker when its first message or exit arrives.
 * Throws what the fork throws.
 */
export function forkWorker(
  start: { fork: ForkLike; entry: WorkerEntry; params: WorkerParams },
  on: {
    spawned(s: Spawned): void
    message(s: Spawned, message: unknown): void
    exit(s: Spawned): void
  }
): Spawned {
  const child = start.fork(start.entry, [JSON.stringify(start.params)])
  let markExited!: () => void
  const s: Spawned = {
    child,
    exited: new Promise<void>((r) => (markExited = r)),
    hasExited: false,
    stderr: [],
    servedRequest: false
  }
  on.spawned(s)
  child.onStderr?.((text) => {
    s.stderr.push(...text.split('\n').filter((l) => l.trim()))
    if (s.stderr.length > STDERR_TAIL_LINES) s.stderr.splice(0, s.stderr.length - STDERR_TAIL_LINES)
  })
  child.onMessage((message) => on.message(s, message))
  child.onExit((code, signal) => {
    s.hasExited = true
    s.exit = { code, signal }
    markExited()
    on.exit(s)
  })
  return s
}

/**
 * Stops the worker within `budgetMs`: IPC shutdown (the worker disposes its model) and 60 % of the
 * budget to exit, then SIGTERM and 25 %, then SIGKILL and the last 15 %.
 */
export async function stopWorker(s: Spawned, budgetMs: number): Promise<void> {
  const within = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms)
      void s.exited.then(() => {
        clearTimeout(t)
        resolve(true)
      })
    })
  try {
    s.child.send({ type: 'shutdown' })
  } catch {
    // the channel is gone: the signals below still work
  }
  if (!(await within(budgetMs * 0.6))) {
    s.child.kill('SIGTERM')
    if (!(await within(budgetMs * 0.25))) {
      s.child.kill('SIGKILL')
      await within(budgetMs * 0.15)
    }
  }
}

/** How the worker exited (`code 1`, `signal SIGKILL`) and the last stderr lines, for messages. */
export function exitDescription(s: Spawned): { how: string; tail: string } {
  const { code, signal } = s.exit ?? { code: null, signal: null }
  return {
    how: signal ? `signal ${signal}` : `code ${code}`,
    tail: s.stderr.length ? `: ${s.stderr.slice(-3).join(' | ')}` : ''
  }
}

/** The OpenAI-compatible base URL of a ready worker. */
export function baseUrlOf(ready: ReadyMessage): string {
  return `http://127.0.0.1:${ready.port}/v1`
}
