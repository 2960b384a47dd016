/**
 * @module One owner per data folder: the desktop app and `llmnet serve` never both use it. The
 * lock is a file created atomically (written aside, then hard-linked into place) holding the
 * owner's pid, program name (never its arguments), host and start time, mode 0600; a lock whose process is gone is taken over.
 */
import { readFileSync, rmSync } from 'node:fs'
import { hostname as osHostname } from 'node:os'
import { basename, join } from 'node:path'
import { createExclusive } from './create-exclusive'
import { StorageError } from './errors'
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './private-files'

/** Who holds a data folder. */
export interface LockHolder {
  pid: number
  command: string
  hostname: string
  /** ISO time the lock was taken. */
  startedAt: string
}

/** A held lock; `release()` is idempotent and only removes the file if it is still ours. */
export interface DataDirLock {
  file: string
  holder: LockHolder
  /** True when a stale lock (its process gone) was taken over. */
  tookOver: boolean
  release(): void
}

/** The data folder is owned by a live process. */
export class DataDirLockedError extends StorageError {
  constructor(
    message: string,
    file: string,
    readonly holder: LockHolder
  ) {
    super('DATA_DIR_LOCKED', message, { file })
  }
}

/** Options for {@link acquireDataDirLock}. */
export interface AcquireLockOptions {
  /** What to show the other process (default: the program's name, never its arguments). */
  command?: string
  /** Is `pid` running? (default: `process.kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean
  hostname?: string
}

/** The lock file's name inside the data folder. */
export const LOCK_FILE_NAME = 'llmnet.lock'

/** Takes the data folder's lock or throws {@link DataDirLockedError} naming the holder. */
export function acquireDataDirLock(dataDir: string, opts: AcquireLockOptions = {}): DataDirLock {
  ensurePrivateDir(dataDir)
  const file = join(dataDir, LOCK_FILE_NAME)
  const isAlive = opts.isAlive ?? pidAlive
  const me: LockHolder = {
    pid: process.pid,
    command: opts.command ?? commandName(),
    hostname: opts.hostname ?? osHostname(),
    startedAt: new Date().toISOString()
  }
  const text = `${JSON.stringify(me)}\n`
  let tookOver = false
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(file, text, PRIVATE_FILE_MODE))
      return { file, holder: me, tookOver, release: () => releaseIfOurs(file, text) }
    const current = readOrUndefined(file)
    if (current === undefined) continue // released meanwhile
    const holder = parseHolder(current)
    if (holder && !(holder.hostname === me.hostname && !isAlive(holder.pid))) {
      const where = holder.hostname === me.hostname ? '' : ` on host ${holder.hostname}`
      throw new DataDirLockedError(
        `the data folder ${dataDir} is in use by another llmnet: pid ${holder.pid}${where} ` +
          `(${holder.command}), running since ${holder.startedAt}. Stop it first or use another ` +
          `data folder. If that process is not llmnet, delete ${file}.`,
        file,
        holder
      )
    }
    // Stale (process gone) or unreadable: remove it only if nobody replaced it meanwhile.
    if (readOrUndefined(file) === current) rmSync(file, { force: true })
    tookOver = true
  }
  throw new StorageError('DATA_DIR_LOCKED', `could not take the lock ${file}: it keeps changing`, {
    file
  })
}

/**
 * The running program's name: `llmnet` for the CLI (its script's name), the executable's for the
 * app. Arguments may hold secrets (`--api-key`) and the lock is a file, so none are recorded.
 */
export function commandName(argv = process.argv, execPath = process.execPath): string {
  const script = argv[1] ? basename(argv[1]) : ''
  const named =
    /^[\w.-]+\.[cm]?js$/.test(script) || script === 'llmnet' ? script : basename(execPath)
  return named.replace(/\.[cm]?js$|\.exe$/i, '') || 'llmnet'
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>
    if (typeof h.pid !== 'number' || !Number.isInteger(h.pid) || h.pid <= 0) return undefined
    return {
      pid: h.pid,
      command: String(h.command ?? '?'),
      hostname: String(h.hostname ?? '?'),
      startedAt: String(h.startedAt ?? '?')
    }
  } catch {
    return undefined
  }
}

function releaseIfOurs(file: string, text: string): void {
  if (readOrUndefined(file) === text) rmSync(file, { force: true })
}
