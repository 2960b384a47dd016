/**
 * `llmnet run` on a non-loopback address, as a real child process: no key is a usage error, an
 * empty key is a usage error, and the opt-out warns. The one server started binds 0.0.0.0 on
 * port 0 and is only ever called on 127.0.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { bareEnv } from './support/cli-process'
import { startFakeUpstream, type FakeUpstream } from './support/fake-openai'
import { externalModel, rawRequest, tempDir, writeComposition } from './support/harness'

const ROOT = path.resolve(__dirname, '..')
const BIN = path.join(ROOT, 'bin', 'llmnet.mjs')

let child: ChildProcess | undefined

/** Runs llmnet; `until` resolves once stdout matches, or when the process exits. */
function start(
  args: string[],
  env: Record<string, string> = {}
): { out: { stdout: string; stderr: string }; exited: Promise<number>; child: ChildProcess } {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: bareEnv(env),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child = proc
  const out = { stdout: '', stderr: '' }
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d))
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d))
  const exited = once(proc, 'exit').then(([code]) => (code as number | null) ?? -1)
  return { out, exited, child: proc }
}

describe('llmnet run --host (child processes)', () => {
  const tmp = tempDir('llmnet-cli-host-')
  let up: FakeUpstream
  let file: string

  beforeAll(async () => {
    up = await startFakeUpstream()
    file = writeComposition(tmp.dir, 'p', {
      models: { m: externalModel(up.url) },
      architecture: [
        { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'output', adapter: 'output' }
      ]
    })
  })
  afterAll(async () => {
    await up.close()
    tmp.remove()
  })
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = once(child, 'exit')
      child.kill('SIGKILL')
      await gone
    }
    child = undefined
  })

  it('refuses 0.0.0.0 without a key, with exit 2 and a message naming --api-key and LLMNET_API_KEY (fails if it serves the network openly)', async () => {
    const p = start(['run', file, '--host', '0.0.0.0', '--port', '0'])
    expect(await p.exited).toBe(2)
    expect(p.out.stderr).toMatch(/--host 0\.0\.0\.0 is reachable from other machines/)
    expect(p.out.stderr).toContain('--api-key')
    expect(p.out.stderr).toContain('LLMNET_API_KEY')
    expect(p.out.stdout).not.toContain('OpenAI-compatible API')
  })

  it('an empty --api-key or LLMNET_API_KEY is exit 2, not "no auth" (fails if an empty key disables authentication)', async () => {
    const flag = start(['run', file, '--port', '0', '--api-key', ''])
    expect(await flag.exited).toBe(2)
    expect(flag.out.stderr).toContain('--api-key is empty')
    const env = start(['run', file, '--port', '0'], { LLMNET_API_KEY: '' })
    expect(await env.exited).toBe(2)
    expect(env.out.stderr).toContain('LLMNET_API_KEY is empty')
    expect(env.out.stdout).not.toContain('OpenAI-compatible API')
  })

  it('--insecure-no-key serves 0.0.0.0 with a warning on stderr, and still refuses a foreign Host (fails if the opt-out is silent or opens the allowlist)', async () => {
    const p = start(['run', file, '--host', '0.0.0.0', '--port', '0', '--insecure-no-key'])
    const port = await new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const m = /OpenAI-compatible API: http:\/\/0\.0\.0\.0:(\d+)\/v1/.exec(p.out.stdout)
        if (m?.[1]) resolve(m[1])
      }
      p.child.stdout?.on('data', check)
      void p.exited.then((code) => reject(new Error(`exited ${code}: ${p.out.stderr}`)))
    })
    expect(p.out.stderr).toMatch(
      /WARNING: --insecure-no-key: 0\.0\.0\.0 serves the API without a key/
    )
    const base = `http://127.0.0.1:${port}`
    expect((await rawRequest(base, { path: '/v1/models' })).status).toBe(200)
    const evil = await rawRequest(base, { path: '/v1/models', headers: { host: 'evil.example' } })
    expect(evil.status).toBe(403)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
  })
})
