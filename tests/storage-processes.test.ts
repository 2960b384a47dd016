/**
 * The store against real child processes: a second process holding the data folder's lock, and
 * a writer killed with SIGKILL in the middle of its writes.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/main/core/storage/database'
import { acquireDataDirLock, DataDirLockedError } from '../src/main/core/storage/lock'
import { PipelineRepository } from '../src/main/core/storage/pipeline-repository'
import { TraceRepository } from '../src/main/core/storage/trace-repository'
import { tempDir } from './support/harness'

const CHILD = path.join(__dirname, 'support', 'storage-child.ts')
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

interface Child {
  proc: ChildProcess
  /** Complete stdout lines so far. */
  lines(): string[]
  /** Resolves once `pred` holds for the lines; rejects if the child exits first. */
  until(pred: (lines: string[]) => boolean): Promise<void>
  exited: Promise<NodeJS.Signals | number | null>
}

const children: ChildProcess[] = []
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const f of cleanups.splice(0)) f()
})

function startChild(args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', TSX, CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  children.push(proc)
  let stdout = ''
  let stderr = ''
  const waiters = new Set<() => void>()
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d
    for (const w of waiters) w()
  })
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    proc.on('exit', (code, signal) => resolve(signal ?? code))
  )
  // A line counts only once its newline arrived: a line cut by the kill is not a report.
  const lines = (): string[] => stdout.split('\n').slice(0, -1)
  const until = (pred: (l: string[]) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred(lines())) return
        waiters.delete(check)
        resolve()
      }
      waiters.add(check)
      check()
      void exited.then((how) => {
        if (waiters.has(check)) reject(new Error(`child exited (${how}) early\n${stderr}`))
      })
    })
  return { proc, lines, until, exited }
}

describe('the data folder lock, with a second real process', () => {
  it('refuses a second owner, naming the holder, and takes over once it is killed', async () => {
    const tmp = tempDir('llmnet-lock-')
    cleanups.push(tmp.remove)
    const child = startChild(['lock', tmp.dir])
    await child.until((l) => l.some((x) => x.startsWith('locked ')))

    let error: unknown
    try {
      acquireDataDirLock(tmp.dir, { command: 'test' })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(DataDirLockedError)
    const locked = error as DataDirLockedError
    expect(locked.code).toBe('DATA_DIR_LOCKED')
    expect(locked.holder.pid).toBe(child.proc.pid)
    expect(locked.message).toContain(`pid ${child.proc.pid}`)
    expect(locked.message).toContain('storage-child lock')

    // SIGKILL leaves the lock file behind; its pid is gone, so the next owner takes over.
    child.proc.kill('SIGKILL')
    await child.exited
    const lock = acquireDataDirLock(tmp.dir, { command: 'test' })
    expect(lock.tookOver).toBe(true)
    expect(lock.holder.pid).toBe(process.pid)
    lock.release()
    const again = acquireDataDirLock(tmp.dir, { command: 'test' })
    expect(again.tookOver).toBe(false)
    again.release()
  })
})

describe('crash safety', () => {
  it('loses nothing committed when the writer is killed with SIGKILL mid-writes', async () => {
    const tmp = tempDir('llmnet-crash-')
    cleanups.push(tmp.remove)
    const file = path.join(tmp.dir, 'llmnet.db')
    const child = startChild(['write', file])
    // Let it commit a good number of versions and trace batches, then kill it without warning.
    await child.until((l) => l.filter((x) => x.startsWith('T ')).length >= 40)
    child.proc.kill('SIGKILL')
    expect(await child.exited).toBe('SIGKILL')

    const reported = child.lines()
    const versions = reported.filter((l) => l.startsWith('P ')).map((l) => l.split(' '))
    const traceIds = reported
      .filter((l) => l.startsWith('T '))
      .flatMap((l) => l.split(' ').slice(1))
    expect(traceIds.length).toBeGreaterThanOrEqual(200)

    const opened = openDatabase(file)
    cleanups.unshift(() => opened.close())
    expect(opened.db.pragma('integrity_check', { simple: true })).toBe('ok')
    const pipelines = new PipelineRepository(opened.db)
    for (const [, name, version] of versions) {
      expect(pipelines.getVersion(name!, Number(version)).text).toMatch(/"step"/)
    }
    const traces = new TraceRepository(opened.db)
    const missing = traceIds.filter((id) => traces.get(id) === undefined)
    expect(missing).toEqual([])
  })
})
