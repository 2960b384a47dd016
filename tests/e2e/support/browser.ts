/**
 * Finding Chromium, making sure the renderer is built (`out/renderer`, what `serve --ui` serves),
 * and starting the real server as a child process (the URL it prints, with its one-time token).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildRenderer } from '../../../scripts/build-renderer.mjs'
import { llmnet, ROOT, type Proc } from '../../support/cli-process'

export { ROOT }

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome'
]

/** The Chromium executable, or null. */
export function findChromium(): string | null {
  return CANDIDATES.find((p): p is string => !!p && existsSync(p)) ?? null
}

const RENDERER_OUT = path.join(ROOT, 'out', 'renderer')

/** The newest modification time of any file under `dir`. */
function newest(dir: string): number {
  let max = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    max = Math.max(max, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return max
}

/**
 * Builds the renderer into out/renderer (where `serve --ui` looks) when it is missing or older
 * than the renderer's or the shared contract's sources, so the suite never tests a stale UI.
 * Returns what it did.
 */
export async function ensureRendererBuilt(): Promise<'fresh' | 'built'> {
  const index = path.join(RENDERER_OUT, 'index.html')
  const sources = Math.max(
    newest(path.join(ROOT, 'src', 'renderer')),
    newest(path.join(ROOT, 'src', 'shared'))
  )
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return 'fresh'
  mkdirSync(RENDERER_OUT, { recursive: true })
  // The same build the npm package ships (scripts/build-renderer.mjs, run by `prepack`).
  await buildRenderer(RENDERER_OUT)
  return 'built'
}

export interface ServeUi {
  proc: Proc
  /** The page URL with the token exchange (`/?token=…`). */
  url: string
  /** The server's base URL (no path). */
  base: string
  dataDir: string
  stop(): Promise<void>
}

/**
 * Starts `llmnet serve --ui --port 0 --data-dir <tmp>` with its own home, XDG folders and secret
 * key (nothing of the user's is read), plus `env`, and waits for the UI address it prints.
 */
export async function startServeUi(env: NodeJS.ProcessEnv = {}): Promise<ServeUi> {
  const home = mkdtempSync(path.join(tmpdir(), 'llmnet-e2e-'))
  const dataDir = path.join(home, 'data')
  const proc = llmnet(['serve', '--ui', '--port', '0', '--data-dir', dataDir], {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_DATA_HOME: path.join(home, 'share'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    LLMNET_SECRET_KEY: Buffer.alloc(32, 11).toString('base64'),
    ...env
  })
  const match = await proc.waitFor(
    'stdout',
    /Open the UI: ((http:\/\/127\.0\.0\.1:\d+)\/\?token=\S+)/
  )
  return {
    proc,
    url: match[1]!,
    base: match[2]!,
    dataDir,
    stop: async () => {
      if (proc.child.exitCode === null) proc.child.kill('SIGTERM')
      await proc.exited
      rmSync(home, { recursive: true, force: true })
    }
  }
}
