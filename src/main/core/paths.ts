import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Where llmnet keeps its data headless (the Electron shell passes `app.getPath('userData')`
 * instead): `LLMNET_DATA_DIR`, else the platform's application-data folder.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform
): string {
  if (env.LLMNET_DATA_DIR) return env.LLMNET_DATA_DIR
  const home = env.HOME ?? homedir()
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'llmnet')
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'llmnet')
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'llmnet')
}

/** In the data folder: the running server's address, for the CLI's `local` context. */
export const SERVER_FILE = 'server.json'
