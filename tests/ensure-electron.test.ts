/**
 * scripts/ensure-electron.mjs (the first step of `npm start`) as a child process, on a sandbox
 * copy of node_modules/electron: it never touches the real one. Catches an `npm start` that hangs
 * or dies with a stack trace when Electron's binary cannot be downloaded, and one that downloads
 * again when the binary is there.
 */
import { spawn } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const ROOT = path.resolve(__dirname, '..')
const SCRIPT = path.join(ROOT, 'scripts', 'ensure-electron.mjs')
const REAL = path.join(ROOT, 'node_modules')

let sandbox: string
let mirror: Server
let mirrorUrl: string
let asked: string[]

/** A project root whose node_modules/electron is a copy (its installer writes into it). */
function makeSandbox(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'llmnet-electron-'))
  const modules = path.join(dir, 'node_modules')
  mkdirSync(modules)
  cpSync(path.join(REAL, 'electron'), path.join(modules, 'electron'), {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}dist`)
  })
  for (const scope of ['@electron', '@electron-internal']) {
    symlinkSync(path.join(REAL, scope), path.join(modules, scope), 'junction')
  }
  return dir
}

function run(
  args: string[],
  env: Record<string, string>
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, '--root', sandbox, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

beforeEach(async () => {
  sandbox = makeSandbox()
  asked = []
  // A mirror that has no Electron: every download gets a 404.
  mirror = createServer((req, res) => {
    asked.push(req.url ?? '')
    res.writeHead(404).end('not here')
  })
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve))
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`
})

afterEach(async () => {
  await new Promise((resolve) => mirror.close(resolve))
  rmSync(sandbox, { recursive: true, force: true })
})

describe('ensure-electron', () => {
  it('fails with the URL, the reason and what to run when Electron cannot be downloaded', async () => {
    const { code, output } = await run(['--skip-native'], {
      ELECTRON_MIRROR: mirrorUrl,
      // An empty download cache: a cached zip on this machine must not make the download succeed.
      electron_config_cache: path.join(sandbox, 'cache')
    })
    expect(code).toBe(1)
    expect(asked.some((url) => url.includes('electron-v'))).toBe(true)
    expect(output).toMatch(
      /cannot download Electron \d+\.\d+\.\d+ from http:\/\/127\.0\.0\.1:\d+\//
    )
    expect(output).toContain('network: HTTP 404')
    expect(output).toContain('node node_modules/electron/install.js')
    expect(output).toContain('ELECTRON_MIRROR')
    expect(output).toContain('npx llmnet run')
    // One clear message, not the installer's stack trace.
    expect(output).not.toMatch(/^\s+at /m)
  }, 90_000)

  it('does nothing when the binary of this version is installed', async () => {
    const electron = path.join(sandbox, 'node_modules', 'electron')
    const { version } = JSON.parse(readFileSync(path.join(electron, 'package.json'), 'utf8')) as {
      version: string
    }
    mkdirSync(path.join(electron, 'dist'))
    writeFileSync(path.join(electron, 'dist', 'electron'), '')
    writeFileSync(path.join(electron, 'dist', 'version'), `v${version}`)
    writeFileSync(path.join(electron, 'path.txt'), 'electron')
    const { code, output } = await run(['--skip-native'], { ELECTRON_MIRROR: mirrorUrl })
    expect(output).not.toContain('downloading')
    expect(code).toBe(0)
    expect(asked).toEqual([])
  }, 30_000)

  it('names a bad option', async () => {
    const { code, output } = await run(['--bogus'], {})
    expect(code).toBe(1)
    expect(output).toContain('unknown option --bogus')
  }, 30_000)
})
