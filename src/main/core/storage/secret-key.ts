/**
 * @module Finds the headless secret key, in order: `LLMNET_SECRET_KEY` (base64 or hex of 32
 * bytes), the file named by `LLMNET_SECRET_KEY_FILE` (a mounted secret), else `secret.key` in the
 * data folder, created with mode 0600 on first use. Messages never contain the key.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createExclusive } from './create-exclusive'
import { StorageError } from './errors'
import { ensurePrivateDir, PRIVATE_FILE_MODE, refuseSharedCredential } from './private-files'

/** The key and where it came from. */
export interface SecretKey {
  key: Buffer
  source: 'env' | 'file' | 'data-dir'
  /** For messages: `LLMNET_SECRET_KEY`, or the file's path. */
  describe: string
  /** True when this call created the data folder's key file. */
  created: boolean
}

/** Options for {@link loadSecretKey}. */
export interface LoadSecretKeyOptions {
  dataDir: string
  env?: NodeJS.ProcessEnv
  /** Mode checks are skipped on Windows, where POSIX modes mean nothing. */
  platform?: NodeJS.Platform
}

/** The name of the generated key file inside the data folder. */
export const KEY_FILE_NAME = 'secret.key'

/** Returns the secret key, creating the data folder's key file if no other source is set. */
export function loadSecretKey(opts: LoadSecretKeyOptions): SecretKey {
  const env = opts.env ?? process.env
  if (env.LLMNET_SECRET_KEY) {
    const describe = 'LLMNET_SECRET_KEY'
    return {
      key: parseKey(env.LLMNET_SECRET_KEY, describe),
      source: 'env',
      describe,
      created: false
    }
  }
  if (env.LLMNET_SECRET_KEY_FILE) {
    const file = env.LLMNET_SECRET_KEY_FILE
    const describe = `the key file ${file} (LLMNET_SECRET_KEY_FILE)`
    let raw: Buffer
    try {
      raw = readFileSync(file)
    } catch (err) {
      throw new StorageError(
        'SECRET_KEY_INVALID',
        `cannot read ${describe}: ${(err as Error).message}`,
        {
          file,
          cause: err
        }
      )
    }
    const key = raw.length === 32 ? raw : parseKey(raw.toString('utf8'), describe)
    return { key, source: 'file', describe, created: false }
  }
  const file = join(opts.dataDir, KEY_FILE_NAME)
  const created = !existsSync(file) && createKeyFile(opts.dataDir, file)
  refuseSharedCredential(file, 'the key file', { platform: opts.platform })
  const describe = `the key file ${file}`
  return {
    key: parseKey(readFileSync(file, 'utf8'), describe),
    source: 'data-dir',
    describe,
    created
  }
}

/** Parses 32 bytes written as 64 hex digits or as base64. */
export function parseKey(text: string, describe: string): Buffer {
  const s = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex')
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) {
    const key = Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64')
    if (key.length === 32) return key
  }
  throw new StorageError(
    'SECRET_KEY_INVALID',
    `${describe} must be 32 bytes written as 64 hex digits or as base64 (e.g. \`openssl rand -base64 32\`)`
  )
}

/** Creates the key file (mode 0600, never half-written); false if another process just did. */
function createKeyFile(dataDir: string, file: string): boolean {
  ensurePrivateDir(dataDir)
  return createExclusive(file, `${randomBytes(32).toString('base64')}\n`, PRIVATE_FILE_MODE)
}
