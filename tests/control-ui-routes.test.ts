/**
 * The control routes the UI added on top of the first contract, against a real app runtime
 * (temp data folder, real SQLite, real HTTP): the examples gallery, the model catalog with
 * `LLMNET_CATALOG`, starting and stopping a managed Ollama (a stand-in `ollama` binary), and
 * CORS origins from settings applied when the server next starts.
 */
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { OutputOf, RequestOf, RouteName } from '../src/shared/contract/routes'
import type { Envelope } from '../src/shared/contract/errors'
import { CATALOG } from '../src/main/core/models/catalog'
import { type AppRuntime, createAppRuntime } from '../src/main/runtime'
import { tempDir } from './support/harness'

const ROOT = path.resolve(__dirname, '..')
const running: { app: AppRuntime; remove(): void }[] = []
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.app.stop({ graceMs: 100 })
    r.remove()
  }
})

async function startApp(env: NodeJS.ProcessEnv = {}) {
  const tmp = tempDir('llmnet-ui-routes-')
  const app = await createAppRuntime({
    dataDir: path.join(tmp.dir, 'data'),
    env: { LLMNET_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'), ...env }
  })
  running.push({ app, remove: tmp.remove })
  const state = await app.start({ host: '127.0.0.1', port: 0 })
  const call = async <R extends RouteName>(
    route: R,
    input: RequestOf<R> = {} as RequestOf<R>
  ): Promise<Envelope<OutputOf<R>>> => {
    const res = await fetch(`${app.server.status().url}/api/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
      body: JSON.stringify(input)
    })
    return (await res.json()) as Envelope<OutputOf<R>>
  }
  return { app, call, tmp: tmp.dir, url: state.url as string }
}

function ok<T>(e: Envelope<T>): T {
  if (!e.ok) throw new Error(`expected ok, got ${JSON.stringify(e.error)}`)
  return e.data
}

describe('routes for the UI', () => {
  it('pipelines.examples lists every bundled example with its own description', async () => {
    const { call } = await startApp()
    const { examples } = ok(await call('pipelines.examples'))
    const files = readdirSync(path.join(ROOT, 'examples')).filter((f) => /\.(json|ya?ml)$/.test(f))
    expect(examples.map((e) => e.name).sort()).toEqual(
      files.map((f) => f.replace(/\.[^.]+$/, '')).sort()
    )
    const yaml = examples.find((e) => e.name === 'translate-or-summarise')!
    expect(yaml.format).toBe('yaml')
    const routing = examples.find((e) => e.name === 'conditional-routing')!
    expect(routing.format).toBe('json')
    expect(routing.description).toMatch(/^Rule-based routing/)
  })

  it('models.catalog lists the starter models, extended and overridden by LLMNET_CATALOG', async () => {
    const plain = await startApp()
    expect(ok(await plain.call('models.catalog')).models.map((m) => m.name)).toEqual(
      CATALOG.map((e) => e.name)
    )
    const dir = tempDir('llmnet-catalog-')
    const file = path.join(dir.dir, 'catalog.json')
    writeFileSync(
      file,
      JSON.stringify({
        models: [
          { name: 'mirror', source: 'http://mirror.lan/m/tiny.gguf', sizeBytes: 10 },
          {
            name: CATALOG[0]!.name,
            description: 'from the mirror',
            source: 'http://mirror.lan/q.gguf',
            sizeBytes: 5
          }
        ]
      })
    )
    const extended = await startApp({ LLMNET_CATALOG: file })
    const models = ok(await extended.call('models.catalog')).models
    expect(models.slice(0, 2)).toEqual([
      {
        name: 'mirror',
        description: '',
        source: 'http://mirror.lan/m/tiny.gguf',
        fileName: 'tiny.gguf',
        sizeBytes: 10
      },
      {
        name: CATALOG[0]!.name,
        description: 'from the mirror',
        source: 'http://mirror.lan/q.gguf',
        fileName: 'q.gguf',
        sizeBytes: 5
      }
    ])
    expect(models).toHaveLength(CATALOG.length + 1)
    // A broken file is an error naming the file and the entry, not a silently empty catalog.
    writeFileSync(file, JSON.stringify({ models: [{ name: 'x', sizeBytes: 1 }] }))
    const bad = await extended.call('models.catalog')
    expect(bad.ok).toBe(false)
    expect(!bad.ok && bad.error.message).toContain(`${file}: models[0].source`)
    dir.remove()
  })

  it('models.ollama_start starts a managed Ollama, models.ollama_stop stops it', async () => {
    const { call, tmp } = await startApp({ OLLAMA_HOST: '127.0.0.1:9' })
    const bin = path.join(tmp, 'bin')
    mkdirSync(bin)
    const loader = path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')
    const script = path.join(ROOT, 'tests/support/fake-ollama-bin.ts')
    writeFileSync(
      path.join(bin, 'ollama'),
      `#!/bin/sh\nexec "${process.execPath}" --import "${loader}" "${script}" "$@"\n`
    )
    chmodSync(path.join(bin, 'ollama'), 0o755)
    const withBin = await startApp({
      PATH: `${bin}:${process.env.PATH}`,
      // Nothing answers here, so the only Ollama is the one llmnet starts.
      OLLAMA_HOST: '127.0.0.1:9'
    })
    expect(ok(await withBin.call('models.ollama_status'))).toMatchObject({
      installed: true,
      running: false,
      managed: false
    })
    const started = ok(await withBin.call('models.ollama_start'))
    expect(started).toMatchObject({ installed: true, running: true, managed: true })
    expect(started.version).toBe('0.12.3')
    expect(started.host).not.toBe('http://127.0.0.1:9')
    const listed = ok(await withBin.call('models.list')).local.filter((m) => m.runner === 'ollama')
    expect(listed.map((m) => m.name)).toContain('qwen2.5:0.5b')
    expect(ok(await withBin.call('models.ollama_stop'))).toMatchObject({
      running: false,
      managed: false
    })
    // Without the binary: a clear error, nothing started.
    const none = await call('models.ollama_start')
    expect(!none.ok && none.error.message).toMatch(/not installed/)
  })

  it('settings.server.corsOrigins apply to /v1 when the server next starts', async () => {
    const { app, call } = await startApp()
    const preflight = async (url: string) =>
      (
        await fetch(`${url}/v1/chat/completions`, {
          method: 'OPTIONS',
          headers: {
            origin: 'http://localhost:3000',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type'
          }
        })
      ).headers.get('access-control-allow-origin')
    expect(
      ok(await call('settings.set', { server: { corsOrigins: ['http://localhost:3000'] } })).server
        .corsOrigins
    ).toEqual(['http://localhost:3000'])
    expect(await preflight(app.server.status().url!)).toBeNull()
    await app.server.stop(0)
    const restarted = await app.server.start({ host: '127.0.0.1', port: 0 })
    expect(await preflight(restarted.url!)).toBe('http://localhost:3000')
    const bad = await call('settings.set', { server: { corsOrigins: ['localhost:3000/x'] } })
    expect(!bad.ok && bad.error.message).toMatch(/scheme and host/)
  })
})
