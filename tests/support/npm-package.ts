/**
 * The `llmnet` npm package as a user gets it: `npm pack` (which runs `prepack`, the CLI bundle),
 * then `npm install` of the tarball into a temporary prefix. Used by tests/cli-package.test.ts
 * and bench/startup.ts.
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '..', '..')
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

/** An installed package in a temporary prefix. */
export interface InstalledPackage {
  /** The prefix (its node_modules holds llmnet and its dependencies). */
  prefix: string
  /** The `llmnet` executable npm linked. */
  bin: string
  /** The installed package's directory. */
  packageDir: string
  /** Every file in the tarball, as `npm pack` listed it. */
  files: string[]
  /** Removes the prefix and the tarball. */
  remove(): void
}

/** Whether an `npm` executable answers (the package tests need it). */
export function npmAvailable(): boolean {
  try {
    execFileSync(NPM, ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' })
    return true
  } catch {
    return false
  }
}

/**
 * Packs this checkout and installs the tarball into a new temp prefix. Optional dependencies
 * (node-llama-cpp's GPU builds, ~700 MB) and install scripts are left out: the CLI loads
 * node-llama-cpp only for local models, and the install stays fast and offline-safe.
 */
export async function packAndInstall(): Promise<InstalledPackage> {
  const dir = mkdtempSync(path.join(tmpdir(), 'llmnet-pack-'))
  const shell = process.platform === 'win32'
  try {
    const packed = await run(NPM, ['pack', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      shell,
      maxBuffer: 16 * 1024 * 1024
    })
    // Anything `prepack` prints comes before the JSON.
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
      filename: string
      files: { path: string }[]
    }[]
    if (!info) throw new Error(`npm pack printed no package: ${packed.stdout}`)
    const prefix = path.join(dir, 'prefix')
    await run(
      NPM,
      [
        'install',
        '--prefix',
        prefix,
        path.join(dir, info.filename),
        '--prefer-offline',
        '--omit=optional',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--loglevel=error'
      ],
      { cwd: dir, shell, maxBuffer: 16 * 1024 * 1024 }
    )
    return {
      prefix,
      bin: path.join(prefix, 'node_modules', '.bin', shell ? 'llmnet.cmd' : 'llmnet'),
      packageDir: path.join(prefix, 'node_modules', 'llmnet'),
      files: info.files.map((f) => f.path),
      remove: () => rmSync(dir, { recursive: true, force: true })
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}
