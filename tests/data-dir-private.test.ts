/**
 * The data folder is private, checked on real files of a real `llmnet serve
 * --data-dir`: a fresh folder comes out 0700 with every file 0600; a pre-existing 0755 folder with
 * 0644 files is tightened; `access-token` open to others is refused with the `chmod`, as
 * `secret.key` is; the lock names the program, never its arguments (`--api-key` was in it).
 */
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync
} from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { killAll, llmnet, type Proc } from './support/cli-process'
import { tempDir } from './support/harness'

afterEach(killAll)

const API_KEY = 'sk-lock-must-not-hold-this-0123456789'
const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8).padStart(4, '0')

function envFor(home: string): NodeJS.ProcessEnv {
  return { HOME: home, XDG_CONFIG_HOME: path.join(home, 'config') }
}

async function serve(dataDir: string, home: string): Promise<{ proc: Proc; url: string }> {
  const proc = llmnet(['serve', '--port', '0', '--data-dir', dataDir, '--api-key', API_KEY], {
    ...envFor(home)
  })
  const [, url] = await proc.waitFor('stdout', /OpenAI-compatible API: (http:\/\/[\d.:]+)\/v1/)
  await proc.waitFor('stdout', /Control API: /)
  return { proc, url: url as string }
}

/** Stops a server; its exit code is another test's concern (cli-serve.test.ts). */
async function stop(proc: Proc): Promise<void> {
  proc.child.kill('SIGTERM')
  await proc.exited
}

/** Every entry under `dir` with its mode, folders marked with a trailing slash. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      const key = rel ? `${rel}/${e.name}` : e.name
      out[e.isDirectory() ? `${key}/` : key] = mode(p)
      if (e.isDirectory()) walk(p, key)
    }
  }
  walk(dir, '')
  return out
}

async function saveAPipeline(url: string, dataDir: string): Promise<void> {
  const token = readFileSync(path.join(dataDir, 'access-token'), 'utf8').trim()
  const text = JSON.stringify({
    models: { m: { type: 'external', url: 'http://127.0.0.1:9/v1' } },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  })
  const res = await fetch(`${url}/api/pipelines.save`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'private-check', text, format: 'json' })
  })
  expect(res.status).toBe(200)
}

describe.skipIf(process.platform === 'win32')('the data folder is private', () => {
  it('a fresh --data-dir is 0700 and every file in it 0600; the lock holds no arguments', async () => {
    const tmp = tempDir('llmnet-private-')
    try {
      const dataDir = path.join(tmp.dir, 'fresh', 'data')
      const { proc, url } = await serve(dataDir, tmp.dir)
      await saveAPipeline(url, dataDir)
      const seen = modes(dataDir)
      expect(mode(dataDir)).toBe('0700')
      for (const name of [
        'llmnet.db',
        'llmnet.db-wal',
        'llmnet.db-shm',
        'llmnet.lock',
        'access-token',
        'secret.key',
        'server.json',
        'workspaces/'
      ]) {
        expect(seen, name).toHaveProperty([name])
      }
      for (const [name, m] of Object.entries(seen)) {
        expect(`${name} ${m}`).toBe(`${name} ${name.endsWith('/') ? '0700' : '0600'}`)
      }
      const lock = JSON.parse(readFileSync(path.join(dataDir, 'llmnet.lock'), 'utf8')) as Record<
        string,
        unknown
      >
      expect(lock.pid).toBe(proc.child.pid)
      expect(lock.command).toBe('llmnet')
      const raw = readFileSync(path.join(dataDir, 'llmnet.lock'), 'utf8')
      expect(raw).not.toContain(API_KEY)
      expect(raw).not.toContain('--api-key')
      await stop(proc)
    } finally {
      tmp.remove()
    }
  })

  it('a pre-existing 0755 folder with 0644 files is tightened', async () => {
    const tmp = tempDir('llmnet-private-')
    try {
      const dataDir = path.join(tmp.dir, 'data')
      const first = await serve(dataDir, tmp.dir)
      await stop(first.proc)
      // As an older llmnet (or a careless copy) left them.
      chmodSync(dataDir, 0o755)
      for (const f of ['llmnet.db', 'llmnet.db-wal', 'llmnet.db-shm']) {
        closeSync(openSync(path.join(dataDir, f), 'a'))
        chmodSync(path.join(dataDir, f), 0o644)
      }
      mkdirSync(path.join(dataDir, 'workspaces', 'old'), { recursive: true })
      chmodSync(path.join(dataDir, 'workspaces'), 0o755)
      chmodSync(path.join(dataDir, 'workspaces', 'old'), 0o755)

      const again = await serve(dataDir, tmp.dir)
      expect(mode(dataDir)).toBe('0700')
      for (const f of ['llmnet.db', 'llmnet.db-wal', 'llmnet.db-shm', 'llmnet.lock']) {
        expect(`${f} ${mode(path.join(dataDir, f))}`).toBe(`${f} 0600`)
      }
      expect(mode(path.join(dataDir, 'workspaces'))).toBe('0700')
      expect(mode(path.join(dataDir, 'workspaces', 'old'))).toBe('0700')
      await stop(again.proc)
    } finally {
      tmp.remove()
    }
  })

  it('access-token and secret.key open to others are refused with the chmod to run', async () => {
    const tmp = tempDir('llmnet-private-')
    try {
      const dataDir = path.join(tmp.dir, 'data')
      const first = await serve(dataDir, tmp.dir)
      await stop(first.proc)

      for (const name of ['access-token', 'secret.key']) {
        const file = path.join(dataDir, name)
        chmodSync(file, 0o644)
        const refused = llmnet(['serve', '--port', '0', '--data-dir', dataDir], envFor(tmp.dir))
        expect(await refused.exited).not.toBe(0)
        expect(refused.stderr()).toContain(`can be read by other users (mode 0644)`)
        expect(refused.stderr()).toContain(`chmod 600 '${file}'`)
        chmodSync(file, 0o600)
      }
      const ok = await serve(dataDir, tmp.dir)
      await stop(ok.proc)
    } finally {
      tmp.remove()
    }
  })
})
