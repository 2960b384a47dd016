/**
 * The models and Discover services called directly, over an in-memory store, a runtime that
 * serves only what the library holds, the Ollama double (OLLAMA_HOST), the Hugging Face double
 * (LLMNET_HF_ENDPOINT) and a plain HTTP server for GGUF downloads. Catches: a download whose
 * progress never ends or reports no bytes, a cancel that leaves a download running, a hub
 * download missing from the models list (the two services' downloads apart), a library or
 * Ollama failure surfacing as an internal error or without the field it concerns, an Ollama
 * started elsewhere stopped by llmnet, a load or unload that reports another model's row, and
 * the catalog leaking its checksums.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { EventPayload } from '../../../shared/contract/events'
import { type ControlFixture, controlFixture } from '../../../../tests/support/control-services'
import { type FakeHub, startFakeHub } from '../../../../tests/support/fake-huggingface'
import { type FakeOllama, startFakeOllama } from '../../../../tests/support/fake-ollama'
import { tempDir } from '../../../../tests/support/harness'
import { AppError } from '../errors'
import { buildTinyGguf } from '../local/tiny-gguf'
import { catalogModels } from '../models/catalog'

type Progress = EventPayload<'model.pull_progress'>

const tiny = buildTinyGguf().bytes
const REPO = 'tiny-org/Tiny-Chat-GGUF'

let ollama: FakeOllama
let hub: FakeHub
/** Serves `/tiny.gguf` whole, and `/stall.gguf` as its first bytes then nothing more. */
let files: Server
let filesUrl: string
beforeAll(async () => {
  ollama = await startFakeOllama({ models: [{ name: 'qwen2.5:0.5b', size: 1234 }] })
  hub = await startFakeHub([{ id: REPO, files: [{ path: 'tiny-chat-Q8_0.gguf', content: tiny }] }])
  files = createServer((req, res) => {
    if (req.url === '/tiny.gguf') return res.writeHead(200).end(tiny)
    if (req.url === '/stall.gguf') {
      res.writeHead(200, { 'content-length': String(tiny.length) })
      return res.write(tiny.subarray(0, 64))
    }
    res.writeHead(404).end()
  })
  files.listen(0, '127.0.0.1')
  await new Promise((r) => files.once('listening', r))
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`
})
afterAll(async () => {
  files.closeAllConnections()
  files.close()
  await hub.close()
  await ollama.close()
})

let f: ControlFixture | undefined
const progress: Progress[] = []
afterEach(async () => {
  progress.length = 0
  await f?.close()
  f = undefined
})

function setup(env: NodeJS.ProcessEnv = {}): ControlFixture {
  f = controlFixture({
    env: { OLLAMA_HOST: ollama.url, LLMNET_HF_ENDPOINT: hub.url, ...env }
  })
  f.hub.subscribe((event, payload) => {
    if (event === 'model.pull_progress') progress.push(payload as Progress)
  })
  return f
}

/** The download's last progress event once it is no longer running (bounded wait). */
async function pullEnd(pullId: string): Promise<Progress> {
  for (let i = 0; i < 400; i++) {
    const last = progress.filter((p) => p.pullId === pullId).at(-1)
    if (last && last.state !== 'running') return last
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`download ${pullId} never ended`)
}

/** The AppError `run` throws (or fails the test). */
async function refusal(run: () => unknown): Promise<AppError> {
  try {
    await run()
  } catch (err) {
    expect(err).toBeInstanceOf(AppError)
    return err as AppError
  }
  throw new Error('expected a refusal')
}

const ollamaPipeline = JSON.stringify({
  models: { chat: { runner: 'ollama', source: 'qwen2.5:0.5b' } },
  architecture: [
    { name: 'bot', layer: 0, model: 'chat', adapter: 'openai-api', 'output-to': ['output'] },
    { name: 'output', adapter: 'output' }
  ]
})

describe('ModelsService', () => {
  it('downloads a GGUF file with progress to the end, lists it, and deletes it', async () => {
    const { services } = setup()
    const { pullId } = await services.models.pull({
      source: `${filesUrl}/tiny.gguf`,
      runner: 'llama-cpp'
    })
    const end = await pullEnd(pullId)
    expect(end).toMatchObject({ state: 'done', completedBytes: tiny.length, error: null })
    expect(progress[0]).toMatchObject({ pullId, state: 'running', completedBytes: 0 })

    const listed = await services.models.list()
    expect(listed.pulls).toEqual([end])
    expect(listed.local).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'tiny.gguf', runner: 'llama-cpp', sizeBytes: tiny.length }),
        { name: 'qwen2.5:0.5b', runner: 'ollama', path: null, sizeBytes: 1234 }
      ])
    )
    expect(await services.models.delete({ name: 'tiny.gguf', runner: 'llama-cpp' })).toEqual({
      deleted: true
    })
    const gone = await refusal(() =>
      services.models.delete({ name: 'tiny.gguf', runner: 'llama-cpp' })
    )
    expect(gone).toMatchObject({ code: 'not_found', options: { param: 'name' } })
  })

  it('cancels a download in flight; a second cancel finds nothing running', async () => {
    const { services } = setup()
    const { pullId } = await services.models.pull({
      source: `${filesUrl}/stall.gguf`,
      runner: 'llama-cpp'
    })
    expect(services.models.cancelPull(pullId)).toEqual({ cancelled: true })
    expect(await pullEnd(pullId)).toMatchObject({ state: 'cancelled', error: null })
    expect(services.models.cancelPull(pullId)).toEqual({ cancelled: false })
    expect(services.models.cancelPull('no-such-pull')).toEqual({ cancelled: false })
  })

  it('refuses a source it cannot download, naming the field', async () => {
    const { services } = setup()
    const local = await refusal(() =>
      services.models.pull({ source: '/models/m.gguf', runner: 'llama-cpp' })
    )
    expect(local).toMatchObject({ code: 'invalid_request', options: { param: 'source' } })
    expect(local.message).toMatch(/^source: \/models\/m\.gguf is a local path/)
    const scheme = await refusal(() =>
      services.models.pull({ source: 's3://bucket/m.gguf', runner: 'llama-cpp' })
    )
    expect(scheme).toMatchObject({ code: 'invalid_request', options: { param: 'source' } })
    expect(scheme.message).toMatch(/^source: /)
    expect(progress).toEqual([])
  })

  it("pulls and deletes Ollama's models through Ollama; a missing one is not_found on name", async () => {
    const { services } = setup()
    const { pullId } = await services.models.pull({ source: 'llama3.2', runner: 'ollama' })
    expect(await pullEnd(pullId)).toMatchObject({ state: 'done', source: 'llama3.2' })
    expect(ollama.models.has('llama3.2:latest')).toBe(true)

    await services.models.delete({ name: 'llama3.2', runner: 'ollama' })
    expect(ollama.models.has('llama3.2:latest')).toBe(false)
    const missing = await refusal(() =>
      services.models.delete({ name: 'llama3.2', runner: 'ollama' })
    )
    expect(missing).toMatchObject({ code: 'not_found', options: { param: 'name' } })
  })

  it('an Ollama that does not answer is model_not_ready on the field; the list keeps the GGUF library', async () => {
    const { services } = setup({ OLLAMA_HOST: '127.0.0.1:1' })
    const down = await refusal(() => services.models.pull({ source: 'llama3.2', runner: 'ollama' }))
    expect(down).toMatchObject({ code: 'model_not_ready', options: { param: 'source' } })
    expect((await services.models.ollamaStatus()).running).toBe(false)
    expect((await services.models.list()).local).toEqual([])
  })

  it('loads and unloads a served Ollama model, answering that model’s own row', async () => {
    const { services } = setup()
    await services.pipelines.save({ name: 'p', text: ollamaPipeline, format: 'json' })
    const loaded = await services.models.load({ key: 'chat' })
    expect(loaded).toMatchObject({ key: 'chat', pipeline: 'p', runner: 'ollama', state: 'ready' })
    expect([...ollama.running.keys()]).toContain('qwen2.5:0.5b')
    const unloaded = await services.models.unload({ key: 'chat', pipeline: 'p' })
    expect(unloaded).toMatchObject({ key: 'chat', pipeline: 'p', state: 'stopped' })
    expect([...ollama.running.keys()]).not.toContain('qwen2.5:0.5b')

    const unknown = await refusal(() => services.models.load({ key: 'chat', pipeline: 'ghost' }))
    expect(unknown).toMatchObject({ code: 'not_found' })
    expect(unknown.message).toBe('pipeline "ghost" is not being served')
    const noKey = await refusal(() => services.models.unload({ key: 'nope' }))
    expect(noKey.message).toBe('no served pipeline has a model "nope"')
  })

  it('never stops an Ollama it did not start', async () => {
    const { services } = setup()
    expect(await services.models.ollamaStart()).toMatchObject({ running: true, host: ollama.url })
    const refused = await refusal(() => services.models.ollamaStop())
    expect(refused).toMatchObject({ code: 'conflict' })
    expect(refused.message).toContain(`the Ollama at ${ollama.url} was not started by llmnet`)
  })

  it('lists the catalog without its checksums', () => {
    const { services } = setup()
    const { models } = services.models.catalog()
    expect(models.map((m) => m.name)).toEqual(catalogModels().map((m) => m.name))
    expect(catalogModels().some((m) => m.sha256)).toBe(true)
    for (const m of models) expect(m).not.toHaveProperty('sha256')
  })

  it("checks a download against its LLMNET_CATALOG entry's sha256", async () => {
    const dir = tempDir('llmnet-catalog-')
    try {
      const catalog = path.join(dir.dir, 'catalog.json')
      const source = `${filesUrl}/tiny.gguf`
      const entry = { name: 'a', description: 'x', source, sizeBytes: tiny.length }
      writeFileSync(catalog, JSON.stringify({ models: [{ ...entry, sha256: 'ab'.repeat(32) }] }))
      const { services } = setup({ LLMNET_CATALOG: catalog })
      const { pullId } = await services.models.pull({ source, runner: 'llama-cpp' })
      const end = await pullEnd(pullId)
      expect(end.state).toBe('failed')
      expect(end.error).toContain(`expected sha256 ${'ab'.repeat(32)}`)
      expect((await services.models.list()).local).not.toContainEqual(
        expect.objectContaining({ name: 'tiny.gguf' })
      )
    } finally {
      dir.remove()
    }
  })
})

describe('DiscoverService', () => {
  it("searches, describes a mirror's files by URL, and downloads into the models list's downloads", async () => {
    const { services } = setup()
    const found = await services.discover.search({ query: 'tiny' })
    expect(found).toMatchObject({ endpoint: hub.url, offline: null })
    expect(found.repos.map((r) => r.id)).toEqual([REPO])
    const { files: listed } = await services.discover.files(REPO)
    expect(listed).toEqual([
      expect.objectContaining({
        path: 'tiny-chat-Q8_0.gguf',
        source: `${hub.url}/${REPO}/resolve/main/tiny-chat-Q8_0.gguf`,
        fileName: 'tiny-chat-Q8_0.gguf'
      })
    ])
    const started = await services.discover.download({ repo: REPO, path: 'tiny-chat-Q8_0.gguf' })
    expect(started.source).toBe(listed[0]!.source)
    expect(await pullEnd(started.pullId)).toMatchObject({
      state: 'done',
      completedBytes: tiny.length
    })
    const models = await services.models.list()
    expect(models.pulls.map((p) => p.pullId)).toEqual([started.pullId])
    expect(models.local.map((m) => m.name)).toContain('tiny-chat-Q8_0.gguf')
  })

  it('an unreachable hub: search says offline, files is upstream_error, fit names the missing field', async () => {
    const { services } = setup({ LLMNET_HF_ENDPOINT: 'http://127.0.0.1:1' })
    const offline = await services.discover.search({ query: 'tiny' })
    expect(offline).toMatchObject({ endpoint: 'http://127.0.0.1:1', repos: [] })
    expect(offline.offline).toEqual(expect.any(String))
    expect(await refusal(() => services.discover.files(REPO))).toMatchObject({
      code: 'upstream_error'
    })
    expect(await refusal(() => services.discover.fit({ catalog: 'no-such-model' }))).toMatchObject({
      code: 'not_found',
      options: { param: 'catalog' }
    })
    await f!.close()
    const online = setup().services
    expect(
      await refusal(() => online.discover.fit({ repo: REPO, path: 'absent.gguf' }))
    ).toMatchObject({ code: 'not_found', options: { param: 'path' } })
    expect(await refusal(() => online.discover.files('tiny-org/absent'))).toMatchObject({
      code: 'not_found'
    })
  })
})
