/**
 * Vitest global setup: the tests' `llmnet` child processes run the bundled CLI, not src/ through
 * tsx, which costs about half a second per start. Once per run, the bundle is rebuilt
 * (`npm run build:cli`) when a file under src/, package.json or the lock file is newer than it,
 * and copied to out/cli-test/: a copy, because tests/cli-package.test.ts runs `npm pack`, whose
 * `prepack` rewrites out/cli/ while other tests start children. LLMNET_CLI_BUNDLE then names the
 * copy for bin/llmnet.mjs, and LLMNET_WORKER_BUNDLE the bundled llama.cpp worker for the workers
 * the tests fork in-process (src/main/core/local/worker-fork.ts). In watch mode the check runs
 * again before each rerun. `LLMNET_CLI_BUNDLE=0 npx vitest run …` keeps both on src/ through tsx.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs'
import path from 'node:path'
import type { TestProject } from 'vitest/node'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
const FILES = ['cli.mjs', 'llama-worker.mjs']
const BUILT = path.join(ROOT, 'out', 'cli')
const COPY = path.join(ROOT, 'out', 'cli-test')

/** Modification time in ms, or -1 when the file is missing. */
function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs
  } catch {
    return -1
  }
}

/** The newest modification time of the bundle's inputs. */
function newestInput(): number {
  let newest = Math.max(
    mtime(path.join(ROOT, 'package.json')),
    mtime(path.join(ROOT, 'package-lock.json'))
  )
  const src = path.join(ROOT, 'src')
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, mtime(path.join(entry.parentPath, entry.name)))
  }
  return newest
}

/** True when a file in `dir` is missing or older than one of the bundle's inputs. */
function stale(dir: string, inputs: number): boolean {
  const oldest = Math.min(...FILES.map((f) => mtime(path.join(dir, f))))
  return oldest < 0 || oldest < inputs
}

/** Rebuilds and copies the bundle when it is older than its inputs. */
function refresh(): void {
  const inputs = newestInput()
  if (stale(COPY, inputs)) {
    if (stale(BUILT, inputs)) {
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
      const built = spawnSync(npm, ['run', '--silent', 'build:cli'], {
        cwd: ROOT,
        stdio: ['ignore', 'inherit', 'inherit'],
        shell: process.platform === 'win32'
      })
      if (built.status !== 0) {
        throw new Error(`npm run build:cli failed (exit ${built.status}): the CLI tests need it`)
      }
    }
    mkdirSync(COPY, { recursive: true })
    for (const f of FILES) {
      // Copy then rename: a child never imports a half-written file.
      copyFileSync(path.join(BUILT, f), path.join(COPY, `${f}.tmp`))
      renameSync(path.join(COPY, `${f}.tmp`), path.join(COPY, f))
    }
  }
}

export default function setup(project: TestProject): void {
  if (process.env.LLMNET_CLI_BUNDLE === '0') {
    delete process.env.LLMNET_CLI_BUNDLE
    return
  }
  refresh()
  project.onTestsRerun(refresh)
  process.env.LLMNET_CLI_BUNDLE = path.join(COPY, 'cli.mjs')
  process.env.LLMNET_WORKER_BUNDLE = path.join(COPY, 'llama-worker.mjs')
}
