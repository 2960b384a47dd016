/**
 * Finding Chromium, making sure the renderer is built (`out/renderer`, what `serve --ui` serves),
 * starting the real server as a child process (the URL it prints, with its one-time token), and
 * `openUi`: all of that plus a Chromium page on the app, for the suites that need nothing else.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core'
import { buildRenderer } from '../../../scripts/build-renderer.mjs'
import { llmnet, ROOT, type Proc } from '../../support/cli-process'
import { AppPage } from './pages'

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

export interface UiSession {
  server: ServeUi
  browser: Browser
  context: BrowserContext
  page: Page
  app: AppPage
  /** Closes the browser, then stops the server and removes its folders. */
  close(): Promise<void>
}

export interface UiOptions {
  /** Added to the server's environment (fake endpoints, catalogs). */
  env?: NodeJS.ProcessEnv
  viewport: { width: number; height: number }
  /** Browser permissions for the page's origin (e.g. the clipboard). */
  permissions?: string[]
  /** Playwright's default timeout for the page's actions and waits. */
  timeoutMs?: number
}

/**
 * Builds the renderer when stale, starts `serve --ui` with `env`, and opens the app in headless
 * Chromium (page errors printed) until it says it is ready. On failure it closes what it started.
 */
export async function openUi(opts: UiOptions): Promise<UiSession> {
  await ensureRendererBuilt()
  const server = await startServeUi(opts.env)
  let browser: Browser | undefined
  const close = async (): Promise<void> => {
    await browser?.close()
    await server.stop()
  }
  try {
    browser = await chromium.launch({
      executablePath: findChromium() ?? undefined,
      args: ['--no-sandbox']
    })
    const context = await browser.newContext({
      viewport: opts.viewport,
      ...(opts.permissions ? { permissions: opts.permissions } : {})
    })
    const page = await context.newPage()
    page.setDefaultTimeout(opts.timeoutMs ?? 15_000)
    page.on('pageerror', (err) => console.error(`page error: ${err.message}`))
    const app = new AppPage(page)
    await app.open(server.url)
    return { server, browser, context, page, app, close }
  } catch (err) {
    await close()
    throw err
  }
}
