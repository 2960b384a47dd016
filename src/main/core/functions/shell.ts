/**
 * @module `"type": "shell"` functions: a program run directly, without a shell.
 *
 * Each argument is substituted on its own and passed as one argv entry, so values are never
 * split or interpreted. On timeout or cancellation the whole process tree is killed (the
 * original left the child running).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import type { FunctionDefinition } from '../../../shared/config/schema'
import { startDeadline } from './deadline'
import { renderValue, substituteString } from './substitute'
import { type FunctionContext, FunctionError, parseOutput, type RunnerOutput } from './types'

/** A shell function definition. */
export type ShellFunction = Extract<FunctionDefinition, { type: 'shell' }>

/** Cap on each of stdout and stderr; the excess is dropped. */
export const OUTPUT_CAP_BYTES = 1024 * 1024
const STDERR_IN_ERROR_CHARS = 500
// After the process exits, how long to wait for descendants that still hold stdout/stderr open.
const PIPE_GRACE_MS = 1000

/** Collects a stream up to {@link OUTPUT_CAP_BYTES}. */
class CappedBuffer {
  private readonly chunks: Buffer[] = []
  private size = 0
  truncated = false

  push(chunk: Buffer): void {
    const room = OUTPUT_CAP_BYTES - this.size
    if (room <= 0) {
      this.truncated = true
      return
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    if (part.length < chunk.length) this.truncated = true
    this.chunks.push(part)
    this.size += part.length
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

/** Kills a process and all its descendants. */
export function killTree(child: ChildProcess): void {
  const pid = child.pid
  if (pid === undefined) return
  if (process.platform === 'win32') {
    spawn('taskkill', ['/T', '/F', '/PID', String(pid)], { stdio: 'ignore', windowsHide: true }).on(
      'error',
      () => {
        child.kill('SIGKILL')
      }
    )
    return
  }
  try {
    // The child leads its own process group (detached), so -pid reaches every descendant.
    process.kill(-pid, 'SIGKILL')
  } catch {
    child.kill('SIGKILL')
  }
}

/** Runs a shell function; throws {@link FunctionError} on failure. */
export async function runShell(def: ShellFunction, ctx: FunctionContext): Promise<RunnerOutput> {
  const { vars, secrets } = ctx
  const command = substituteString(def.command, vars, secrets)
  const args = (def.args ?? []).map((arg) => substituteString(arg, vars, secrets))
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const [name, value] of Object.entries(def.env ?? {}))
    env[name] = substituteString(value, vars, secrets)
  const cwd =
    def.cwd === undefined
      ? ctx.baseDir
      : path.resolve(ctx.baseDir, substituteString(def.cwd, vars, secrets))
  let stdinText: string | undefined
  if (def.stdin === true) stdinText = vars.INPUT === undefined ? '' : renderValue(vars.INPUT)
  else if (typeof def.stdin === 'string') stdinText = substituteString(def.stdin, vars, secrets)

  const deadline = startDeadline(def.timeout, ctx.signal)
  if (deadline.signal.aborted) {
    deadline.dispose()
    throw deadline.reason()
  }
  try {
    return await new Promise<RunnerOutput>((resolve, reject) => {
      let child: ChildProcess
      try {
        child = spawn(command, args, {
          cwd,
          env,
          shell: false,
          stdio: ['pipe', 'pipe', 'pipe'],
          detached: process.platform !== 'win32',
          windowsHide: true
        })
      } catch (err) {
        reject(new FunctionError(`could not start "${def.command}": ${(err as Error).message}`))
        return
      }
      const stdout = new CappedBuffer()
      const stderr = new CappedBuffer()
      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
      // A program that exits without reading its stdin makes our write fail with EPIPE: ignore.
      child.stdin?.on('error', () => undefined)
      child.stdin?.end(stdinText)

      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
      let graceTimer: NodeJS.Timeout | undefined
      let settled = false
      const onAbort = (): void => killTree(child)
      deadline.signal.addEventListener('abort', onAbort, { once: true })

      const finish = (): void => {
        if (settled) return
        settled = true
        clearTimeout(graceTimer)
        deadline.signal.removeEventListener('abort', onAbort)
        child.stdout?.destroy()
        child.stderr?.destroy()
        if (deadline.signal.aborted) {
          const reason = deadline.reason()
          reject(new FunctionError(`${reason.message} (process tree killed)`))
          return
        }
        const notes: string[] = []
        if (stdout.truncated) notes.push('stdout truncated at 1 MiB')
        if (stderr.truncated) notes.push('stderr truncated at 1 MiB')
        if (exit?.code !== 0) {
          const err = stderr.text().trim().slice(0, STDERR_IN_ERROR_CHARS)
          const what =
            exit?.code === null || exit?.code === undefined
              ? `killed by signal ${exit?.signal ?? 'unknown'}`
              : `exit code ${exit.code}`
          reject(new FunctionError(err ? `${what}: ${err}` : what))
          return
        }
        resolve(
          notes.length
            ? { output: parseOutput(stdout.text()), notes }
            : { output: parseOutput(stdout.text()) }
        )
      }

      child.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return
        settled = true
        deadline.signal.removeEventListener('abort', onAbort)
        const why = err.code === 'ENOENT' ? 'command not found' : err.message
        reject(new FunctionError(`could not start "${def.command}": ${why}`))
      })
      child.on('exit', (code, signal) => {
        exit = { code, signal }
        // Normally 'close' follows at once; a descendant holding the pipes must not hold us.
        graceTimer = setTimeout(finish, PIPE_GRACE_MS)
      })
      child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
        exit ??= { code, signal }
        finish()
      })
    })
  } finally {
    deadline.dispose()
  }
}
