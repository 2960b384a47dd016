/**
 * The model discovery routes (`models.search`, `models.files`, `models.fit`, `models.machine`,
 * `models.download`) over HTTP against a real app runtime whose `LLMNET_HF_ENDPOINT` is the
 * Hugging Face double, and with the hub unreachable.
 */
import { createServer } from 'node:net'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Envelope } from '../src/shared/contract/errors'
import type { OutputOf, RequestOf, RouteName } from '../src/shared/contract/routes'
import { buildTinyGguf } from '../src/main/core/local/tiny-gguf'
import { type AppRuntime, createAppRuntime } from '../src/main/runtime'
import { type FakeHub, startFakeHub } from './support/fake-huggingface'
import { tempDir } from './support/harness'

const tiny = buildTinyGguf().bytes
const REPO = 'tiny-org/Tiny-Chat-GGUF'

let hub: FakeHub
beforeAll(async () => {
  hub = await startFakeHub([
    {
      id: REPO,
      downloads: 42,
      files: [
        { path: 'tiny-chat-Q8_0.gguf', content: tiny },
        {
          path: 'tiny-chat-Q4_0.gguf',
          content: tiny,
          servedContent: Buffer.concat([tiny.subarray(0, 64), Buffer.alloc(tiny.length - 64, 7)])
        },
        { path: 'tiny-chat-F16-00001-of-00002.gguf', content: tiny }
      ]
    }
  ])
})
afterAll(() => hub.close())

const running: { app: AppRuntime; remove(): void }[] = []
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.app.stop({ graceMs: 100 })
    r.remove()
  }
})

async function startApp(endpoint: string) {
  const tmp = tempDir('llmnet-discover-')
  const app = await createAppRuntime({
    dataDir: path.join(tmp.dir, 'data'),
    env: {
      LLMNET_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
      LLMNET_HF_ENDPOINT: endpoint
    }
  })
  running.push({ app, remove: tmp.remove })
  await app.start({ host: '127.0.0.1', port: 0 })
  const call = async <R extends RouteName>(
    route: R,
    input: RequestOf<R> = {} as RequestOf<R>
  ): Promise<{ status: number; body: Envelope<OutputOf<R>> }> => {
    const res = await fetch(`${app.server.status().url}/api/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
      body: JSON.stringify(input)
    })
    return { status: res.status, body: (await res.json()) as Envelope<OutputOf<R>> }
  }
  return { app, call }
}

function ok<T>(r: { body: Envelope<T> }): T {
  if (!r.body.ok) throw new Error(`expected ok, got ${JSON.stringify(r.body.error)}`)
  return r.body.data
}

async function pullEnd(call: Awaited<ReturnType<typeof startApp>>['call'], pullId: string) {
  for (let i = 0; i < 400; i++) {
    const pull = ok(await call('models.list')).pulls.find((p) => p.pullId === pullId)
    if (pull && pull.state !== 'running') return pull
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('the download never ended')
}

describe('model discovery over /api', () => {
  it('searches, lists files, judges fit from the header and downloads with the sha256 check', async () => {
    const { call } = await startApp(hub.url)
    const found = ok(await call('models.search', { query: 'tiny' }))
    expect(found).toMatchObject({ endpoint: hub.url, offline: null })
    expect(found.repos.map((r) => r.id)).toEqual([REPO])

    const { files } = ok(await call('models.files', { repo: REPO }))
    const q8 = files.find((f) => f.quantisation === 'Q8_0')!
    expect(q8).toMatchObject({
      sizeBytes: tiny.length,
      fileName: 'tiny-chat-Q8_0.gguf',
      source: `${hub.url}/${REPO}/resolve/main/tiny-chat-Q8_0.gguf`
    })

    const fit = ok(await call('models.fit', { repo: REPO, path: q8.path }))
    expect(fit).toMatchObject({ method: 'insights', verdict: 'fits' })
    expect(fit.machine.ramTotalBytes).toBeGreaterThan(0)
    expect(ok(await call('models.machine')).ramFreeBytes).toBeGreaterThan(0)

    const started = ok(await call('models.download', { repo: REPO, path: q8.path }))
    expect(started.source).toBe(q8.source)
    expect(await pullEnd(call, started.pullId)).toMatchObject({
      state: 'done',
      completedBytes: tiny.length
    })
    const local = ok(await call('models.list')).local
    expect(local.map((m) => m.name)).toContain('tiny-chat-Q8_0.gguf')

    const bad = ok(await call('models.download', { repo: REPO, path: 'tiny-chat-Q4_0.gguf' }))
    const failed = await pullEnd(call, bad.pullId)
    expect(failed.state).toBe('failed')
    expect(failed.error).toMatch(/checksum/i)
    expect(ok(await call('models.list')).local.map((m) => m.name)).not.toContain(
      'tiny-chat-Q4_0.gguf'
    )
  })

  it('answers bad input with a 400 naming the field, and unknown files with a 404', async () => {
    const { call } = await startApp(hub.url)
    const badRepo = await call('models.files', { repo: 'not a repo' })
    expect(badRepo.status).toBe(400)
    expect(JSON.stringify(badRepo.body)).toMatch(/repo/)
    const badPath = await call('models.fit', { repo: REPO, path: 'README.md' })
    expect(badPath.status).toBe(400)
    expect(JSON.stringify(badPath.body)).toMatch(/path: must name a .gguf file/)
    const noQuery = await call('models.search', { query: '  ' })
    expect(noQuery.status).toBe(400)
    expect(JSON.stringify(noQuery.body)).toMatch(/query/)
    const missing = await call('models.files', { repo: 'nobody/nothing' })
    expect(missing.status).toBe(404)
    const split = await call('models.download', {
      repo: REPO,
      path: 'tiny-chat-F16-00001-of-00002.gguf'
    })
    expect(split.status).toBe(404)
    expect(JSON.stringify(split.body)).toMatch(/split model/)
  })

  it('offline: search says the hub cannot be reached, the catalog still works and fit estimates', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    const { call } = await startApp(`http://127.0.0.1:${port}`)
    const search = await call('models.search', { query: 'qwen' })
    expect(search.status).toBe(200)
    expect(ok(search)).toMatchObject({ repos: [] })
    expect(ok(search).offline).toMatch(/cannot be reached/)
    const files = await call('models.files', { repo: REPO })
    expect(files.status).toBe(502)
    const catalog = ok(await call('models.catalog')).models
    expect(catalog.length).toBeGreaterThan(0)
    const fit = ok(await call('models.fit', { catalog: catalog[0]!.name }))
    expect(fit.method).toBe('estimate')
    expect(fit.ramBytes).toBeGreaterThan(catalog[0]!.sizeBytes)
  })
})
