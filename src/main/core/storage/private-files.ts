/**
 * @module The data folder is private: the folder 0700, every file in it 0600. A folder or data
 * file open to group or others is tightened (we own it, so `chmod` works); one we cannot tighten
 * is refused with the `chmod` to run. Credentials (`secret.key`, `access-token`) open to others
 * are refused, not tightened: another user may already have read them.
 *
 * On Windows POSIX modes mean nothing and nothing is checked: the default data folder lives in the
 * user's profile (`%APPDATA%`), whose inherited ACL grants only the user, SYSTEM and
 * Administrators; a `--data-dir` elsewhere keeps that folder's ACL (see docs/security.md).
 */
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { StorageError } from './errors'

/** Mode of the data folder and every folder llmnet creates in it. */
export const PRIVATE_DIR_MODE = 0o700
/** Mode of every file llmnet writes in the data folder. */
export const PRIVATE_FILE_MODE = 0o600

export interface PrivateOptions {
  /** Default: `process.platform`; on `win32` modes are neither set nor checked. */
  platform?: NodeJS.Platform
}

const octal = (mode: number): string => mode.toString(8).padStart(4, '0')
const posix = (opts: PrivateOptions): boolean => (opts.platform ?? process.platform) !== 'win32'

/** Creates `dir` (0700) or tightens an existing one open to group or others. */
export function ensurePrivateDir(dir: string, opts: PrivateOptions = {}): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  if (!posix(opts)) return
  const info = statSync(dir)
  if (!info.isDirectory()) {
    throw new StorageError('DATA_DIR_INSECURE', `the data folder ${dir} is not a folder`, {
      file: dir
    })
  }
  tighten(dir, info.mode & 0o777, PRIVATE_DIR_MODE, 'folder')
}

/** Tightens an existing file open to group or others to 0600; a missing file is left alone. */
export function ensurePrivateFile(file: string, opts: PrivateOptions = {}): void {
  if (!posix(opts)) return
  const mode = modeOf(file)
  if (mode !== undefined) tighten(file, mode, PRIVATE_FILE_MODE, 'file')
}

/**
 * Tightens an existing folder llmnet fills (`workspaces/`) and the folders and files directly in
 * it, as an older llmnet left them; a missing folder is left alone.
 */
export function ensurePrivateTree(dir: string, opts: PrivateOptions = {}): void {
  if (!posix(opts) || modeOf(dir) === undefined) return
  ensurePrivateDir(dir, opts)
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) ensurePrivateDir(path, opts)
    else if (entry.isFile()) ensurePrivateFile(path, opts)
  }
}

/** Creates an empty file with mode 0600 if missing, then tightens it (SQLite copies its mode). */
export function touchPrivateFile(file: string, opts: PrivateOptions = {}): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE))
  ensurePrivateFile(file, opts)
}

/**
 * Refuses a credential file that group or others can read, with the `chmod` that fixes it. The
 * same rule for `secret.key` and `access-token`.
 */
export function refuseSharedCredential(
  file: string,
  what: string,
  opts: PrivateOptions = {}
): void {
  if (!posix(opts)) return
  const mode = modeOf(file)
  if (mode === undefined || (mode & 0o077) === 0) return
  throw new StorageError(
    what === 'the key file' ? 'SECRET_KEY_INSECURE' : 'DATA_DIR_INSECURE',
    `${what} ${file} can be read by other users (mode ${octal(mode)}); ` +
      `make it private with: chmod 600 '${file}'`,
    { file }
  )
}

function modeOf(file: string): number | undefined {
  try {
    return statSync(file).mode & 0o777
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

function tighten(path: string, mode: number, wanted: number, kind: 'folder' | 'file'): void {
  if ((mode & 0o077) === 0) return
  try {
    chmodSync(path, mode & ~0o077 & 0o777)
  } catch (err) {
    throw new StorageError(
      'DATA_DIR_INSECURE',
      `the data ${kind} ${path} can be read by other users (mode ${octal(mode)}) and llmnet ` +
        `cannot change that (${(err as NodeJS.ErrnoException).code ?? 'error'}); ` +
        `make it private with: chmod ${octal(wanted).slice(1)} '${path}'`,
      { file: path, cause: err }
    )
  }
}
