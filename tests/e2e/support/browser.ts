/**
 * Finding Chromium and `llmnet serve --ui`, so the e2e suite can say exactly why it skips; and
 * starting the real server as a child process (the URL it prints, with its one-time token).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { llmnet, type Proc } from '../../support/cli-process'

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

/** Whether this checkout's `llmnet serve` has `--ui` (the integrator adds it). */
export function serveHasUi(root: string): boolean {
  try {
    const help = execFileSync(
      process.execPath,
      [path.join(root, 'bin', 'llmnet.mjs'), 'serve', '--help'],
      {
        cwd: root,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, NO_COLOR: '1' },
        timeout: 60_000
      }
    )
    return /--ui\b/.test(help)
  } catch {
    return false
  }
}

export interface ServeUi {
  proc: Proc
  /** The page URL with the token exchange (`/?token=…`). */
  url: string
  dataDir: string
  stop(): Promise<void>
}

/** Starts `llmnet serve --ui --port 0 --data-dir <tmp>` and waits for the URL it prints. */
export async function startServeUi(extraArgs: string[] = []): Promise<ServeUi> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'llmnet-e2e-'))
  const proc = llmnet(['serve', '--ui', '--port', '0', '--data-dir', dataDir, ...extraArgs])
  const match = await proc.waitFor('stdout', /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/)
  return {
    proc,
    url: match[1]!,
    dataDir,
    stop: async () => {
      proc.child.kill('SIGTERM')
      await proc.exited
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
