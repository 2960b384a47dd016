/**
 * The `llmnet` npm package, installed from `npm pack` into a temporary prefix, as a user of
 * `npm install -g llmnet` gets it. Catches a package that ships tests or sources, misses the CLI
 * bundle, needs tsx (a devDependency) at run time, or cannot serve. Slow (a pack and an install,
 * ~10-30 s): it runs in `npm test`, and is skipped with a message when npm is unavailable.
 */
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeUpstream } from './support/fake-openai'
import { externalModel, openaiClient, tempDir, writeComposition } from './support/harness'
import { type InstalledPackage, npmAvailable, packAndInstall } from './support/npm-package'

const run = promisify(execFile)
// The installed package must run its own bundle: drop the suite's pointers to the checkout's
// (tests/support/cli-bundle.ts). Each test file has its own process, so this stays here.
delete process.env.LLMNET_CLI_BUNDLE
delete process.env.LLMNET_WORKER_BUNDLE
const ROOT = path.resolve(import.meta.dirname, '..')
const hasNpm = npmAvailable()
if (!hasNpm) console.warn('tests/cli-package.test.ts skipped: no `npm` executable on PATH')

let pkg: InstalledPackage

beforeAll(async () => {
  if (hasNpm) pkg = await packAndInstall()
}, 240_000)

afterAll(() => pkg?.remove())

describe.skipIf(!hasNpm)('the npm package', () => {
  it('ships the bundled CLI, bin, examples and docs, and no tests or sources', () => {
    expect(pkg.files).toContain('out/cli/cli.mjs')
    expect(pkg.files).toContain('out/cli/llama-worker.mjs')
    expect(pkg.files).toContain('bin/llmnet.mjs')
    expect(pkg.files).toContain('examples/dual-expert.json')
    // The built renderer, for `serve --ui` (was missing: the installed CLI could not show the UI).
    expect(pkg.files).toContain('out/renderer/index.html')
    expect(pkg.files.some((f) => /^out\/renderer\/assets\/index-.*\.js$/.test(f))).toBe(true)
    const unwanted = pkg.files.filter((f) =>
      /^(tests|src|bench|scripts|resources|\.ci)\/|\.test\.|^electron/.test(f)
    )
    expect(unwanted).toEqual([])
  })

  it('installs only runtime dependencies: no tsx, no Electron, no React', () => {
    const manifest = JSON.parse(
      readFileSync(path.join(pkg.packageDir, 'package.json'), 'utf8')
    ) as {
      dependencies: Record<string, string>
    }
    for (const devOnly of ['tsx', 'electron', 'react', 'zustand', 'codemirror', '@xyflow/react'])
      expect(manifest.dependencies).not.toHaveProperty(devOnly)
    expect(() =>
      readFileSync(path.join(pkg.prefix, 'node_modules', 'tsx', 'package.json'))
    ).toThrow()
  })

  it('prints its version', async () => {
    const { stdout } = await run(pkg.bin, ['--version'])
    const { version } = JSON.parse(
      readFileSync(path.join(pkg.packageDir, 'package.json'), 'utf8')
    ) as { version: string }
    expect(stdout.trim()).toBe(version)
  })

  it('validates a shipped example', async () => {
    const example = path.join(pkg.packageDir, 'examples', 'dual-expert.json')
    const { stdout } = await run(pkg.bin, ['validate', example], {
      env: { ...process.env, NO_COLOR: '1' }
    })
    expect(stdout).toContain('is valid')
  })

  it('serves a pipeline on port 0: /health, then a chat request through an upstream', async () => {
    const up = await startFakeUpstream()
    const tmp = tempDir('llmnet-package-run-')
    const file = writeComposition(tmp.dir, 'single', {
      models: { m: externalModel(up.url, { name: 'proxy-model' }) },
      architecture: [
        { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'output', adapter: 'output' }
      ]
    })
    const child = spawn(pkg.bin, ['run', '--port', '0', file], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    try {
      let output = ''
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (d: Buffer): void => {
          output += d.toString()
          const m = /http:\/\/127\.0\.0\.1:\d+/.exec(output)
          if (m) resolve(m[0])
        }
        child.stdout.on('data', onData)
        child.stderr.on('data', onData)
        child.on('exit', (code) => reject(new Error(`llmnet run exited (${code}): ${output}`)))
      })
      expect((await fetch(`${url}/health`)).status).toBe(200)
      // The first upstream call loads undici and Ajv on demand: they must be in the package.
      const res = await openaiClient(url).chat.completions.create({
        model: 'single',
        messages: [{ role: 'user', content: 'ping' }]
      })
      expect(res.choices[0]?.message.content).toBe('proxy-model says: ping')
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        await exited
      }
      await up.close()
      tmp.remove()
    }
  })

  it('shows the UI: serve --ui from the installed package prints the token URL, which loads the page and its script', async () => {
    // The install above skips install scripts (offline, fast), so better-sqlite3 has no native
    // build yet: give it this checkout's, which is what its install script builds for this Node.
    const installed = path.join(pkg.prefix, 'node_modules', 'better-sqlite3')
    const binary = path.join('build', 'Release', 'better_sqlite3.node')
    if (!existsSync(path.join(installed, binary))) {
      mkdirSync(path.join(installed, 'build', 'Release'), { recursive: true })
      copyFileSync(
        path.join(ROOT, 'node_modules', 'better-sqlite3', binary),
        path.join(installed, binary)
      )
    }
    const home = mkdtempSync(path.join(tmpdir(), 'llmnet-package-ui-'))
    const child = spawn(
      pkg.bin,
      ['serve', '--ui', '--port', '0', '--data-dir', path.join(home, 'data')],
      {
        env: {
          ...process.env,
          NO_COLOR: '1',
          HOME: home,
          XDG_CONFIG_HOME: path.join(home, 'config'),
          XDG_DATA_HOME: path.join(home, 'share'),
          LLMNET_SECRET_KEY: Buffer.alloc(32, 7).toString('base64')
        },
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    try {
      let output = ''
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (d: Buffer): void => {
          output += d.toString()
          const m = /Open the UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output)
          if (m) resolve(m[1]!)
        }
        child.stdout.on('data', onData)
        child.stderr.on('data', onData)
        child.on('exit', (code) =>
          reject(new Error(`llmnet serve --ui exited (${code}): ${output}`))
        )
      })
      // The token URL trades the token for a session cookie and redirects to the page.
      const login = await fetch(url, { redirect: 'manual' })
      const cookie = login.headers.get('set-cookie')?.split(';')[0]
      expect(cookie).toMatch(/^llmnet_session=/)
      const base = new URL(url).origin
      const html = await fetch(`${base}/`, { headers: { cookie: cookie! } })
      expect(html.status).toBe(200)
      const text = await html.text()
      expect(text).toContain('<div id="root">')
      const script = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(text)?.[1]
      expect(script).toBeDefined()
      const js = await fetch(`${base}/${script}`, { headers: { cookie: cookie! } })
      expect(js.status).toBe(200)
      expect(js.headers.get('content-type')).toMatch(/javascript/)
      expect((await js.text()).length).toBeGreaterThan(10_000)
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        await exited
      }
      rmSync(home, { recursive: true, force: true })
    }
  }, 60_000)
})
