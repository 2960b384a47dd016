/**
 * @module The server's access token for the control API and the UI, kept in the data folder
 * (mode 0600) until rotated, as Jupyter keeps its token: `llmnet serve` prints a URL carrying it.
 * A token file other users can read is refused with the `chmod` to run, as `secret.key` is.
 */
import { randomBytes } from 'node:crypto'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ensurePrivateDir, PRIVATE_FILE_MODE, refuseSharedCredential } from './private-files'

export const TOKEN_FILE = 'access-token'

/** Reads the data folder's access token, creating (or, with `rotate`, replacing) it. */
export async function loadAccessToken(
  dataDir: string,
  opts: { rotate?: boolean; platform?: NodeJS.Platform } = {}
): Promise<{ token: string; created: boolean }> {
  const file = join(dataDir, TOKEN_FILE)
  ensurePrivateDir(dataDir, opts)
  if (!opts.rotate) {
    refuseSharedCredential(file, 'the access token file', opts)
    const existing = await readFile(file, 'utf8').then(
      (t) => t.trim(),
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return ''
        throw err
      }
    )
    if (existing.length >= 32) return { token: existing, created: false }
  }
  const token = randomBytes(24).toString('base64url')
  await writeFile(file, `${token}\n`, { mode: PRIVATE_FILE_MODE })
  await chmod(file, PRIVATE_FILE_MODE)
  return { token, created: true }
}
