/**
 * The `llmnet` npm package, installed from `npm pack` into a temporary prefix, as a user of
 * `npm install -g llmnet` gets it. Catches a package that ships tests or sources, misses the CLI
 * bundle, needs tsx (a devDependency) at run time, or cannot serve. Slow (a pack and an install,
 * ~10-30 s): it runs in `npm test`, and is skipped with a message when npm is unavailable.
 */
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeUpstream } from './support/fake-openai'
import { externalModel, openaiClient, tempDir, writeComposition } from './support/harness'
import { type InstalledPackage, npmAvailable, packAndInstall } from './support/npm-package'

const run = promisify(execFile)
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
})
