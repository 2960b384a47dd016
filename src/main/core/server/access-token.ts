/**
 * @module The server's access token for the control API and the UI, kept in the data folder
 * (mode 0600) until rotated, as Jupyter keeps its token: `llmnet serve` prints a URL carrying it.
 */
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const TOKEN_FILE = 'access-token'

/** Reads the data folder's access token, creating (or, with `rotate`, replacing) it. */
export async function loadAccessToken(
  dataDir: string,
  opts: { rotate?: boolean } = {}
): Promise<{ token: string; created: boolean }> {
  const file = join(dataDir, TOKEN_FILE)
  if (!opts.rotate) {
    const existing = await readFile(file, 'utf8').then(
      (t) => t.trim(),
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return ''
        throw err
      }
    )
    if (existing.length >= 32) return { token: existing, created: false }
  }
  await mkdir(dataDir, { recursive: true })
  const token = randomBytes(24).toString('base64url')
  await writeFile(file, `${token}\n`, { mode: 0o600 })
  await chmod(file, 0o600)
  return { token, created: true }
}
