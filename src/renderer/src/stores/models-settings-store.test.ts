import { describe, expect, it } from 'vitest'
import { FakeError } from '../platform/fake-client'
import { runtimeOf, sourceFileName } from './models-store'
import { setup, until } from './test-helpers'

const progress = (state: 'running' | 'done' | 'cancelled', completedBytes: number) => ({
  pullId: 'p1',
  source: 'hf://a/b/c.gguf',
  state,
  completedBytes,
  totalBytes: 100,
  error: null
})

describe('models store', () => {
  it('tracks a download from models.pull through its progress events', async () => {
    let lists = 0
    const s = setup({
      'models.pull': () => ({ pullId: 'p1' }),
      'models.list': () => {
        lists++
        return { runtime: [], local: [], pulls: [] }
      }
    })
    s.models.getState().attach()
    expect(await s.models.getState().pull('hf://a/b/c.gguf', 'llama-cpp')).toBe('p1')
    expect(s.models.getState().pulls).toEqual(
      [progress('running', 0)].map((p) => ({ ...p, totalBytes: null }))
    )
    s.platform.emit('model.pull_progress', progress('running', 40))
    expect(s.models.getState().pulls).toEqual([progress('running', 40)])
    s.platform.emit('model.pull_progress', progress('done', 100))
    // A finished download shows up in the local library.
    await until(() => lists === 1)
  })

  it('keeps the runtime list live from model.status', () => {
    const s = setup()
    s.models.getState().attach()
    const status = {
      key: 'm',
      runner: 'llama-cpp' as const,
      source: 'x',
      state: 'ready' as const,
      lastError: null,
      pid: 1,
      port: 2,
      memory: { ramBytes: 1, vramBytes: 0 },
      gpu: null,
      gpuLayers: null,
      loadedSince: 1,
      lastUsed: 1,
      tokensPerSecond: null,
      restarts: 0
    }
    s.platform.emit('model.status', status)
    s.platform.emit('model.status', { ...status, state: 'stopped' })
    expect(s.models.getState().runtime.map((r) => r.state)).toEqual(['stopped'])
  })

  it('reads the catalog from models.catalog, and says why when it cannot', async () => {
    const entry = {
      name: 'tiny',
      description: 'd',
      source: 'http://127.0.0.1:1/tiny.gguf',
      fileName: 'tiny.gguf',
      sizeBytes: 10
    }
    const ok = setup({ 'models.catalog': () => ({ models: [entry] }) })
    await ok.models.getState().loadCatalog()
    expect(ok.models.getState()).toMatchObject({ catalog: [entry], catalogLoaded: true })
    const bad = setup({
      'models.catalog': () => {
        throw new FakeError(
          'internal_error',
          'LLMNET_CATALOG (/x.json) is not a readable JSON file'
        )
      }
    })
    await bad.models.getState().loadCatalog()
    expect(bad.models.getState()).toMatchObject({ catalog: [], catalogLoaded: true })
    expect(bad.toasts.getState().toasts[0]!.message).toMatch(/LLMNET_CATALOG/)
  })

  it('starts and stops a managed Ollama and keeps its state', async () => {
    const status = (running: boolean) => ({
      installed: true,
      running,
      managed: running,
      host: 'http://127.0.0.1:5',
      version: running ? '0.12.3' : null
    })
    const s = setup({
      'models.ollama_start': () => status(true),
      'models.ollama_stop': () => status(false),
      'models.list': () => ({ runtime: [], local: [], pulls: [] })
    })
    await s.models.getState().ollamaPower(true)
    expect(s.models.getState().ollama).toEqual(status(true))
    expect(s.platform.calls.map((c) => c.route)).toEqual(['models.ollama_start', 'models.list'])
    await s.models.getState().ollamaPower(false)
    expect(s.models.getState().ollama).toEqual(status(false))
  })
})

describe('local files and what runs them', () => {
  it('matches a running model to its GGUF file by path, name, or the URL it was downloaded from', () => {
    const local = {
      name: 'tiny q4.gguf',
      runner: 'llama-cpp' as const,
      path: '/m/tiny q4.gguf',
      sizeBytes: 1
    }
    const running = (key: string, source: string) => ({
      key,
      runner: 'llama-cpp' as const,
      source,
      state: 'ready' as const,
      lastError: null,
      pid: 1,
      port: 2,
      memory: null,
      gpu: null,
      gpuLayers: null,
      loadedSince: 1,
      lastUsed: 1,
      tokensPerSecond: null,
      restarts: 0
    })
    expect(sourceFileName('hf://org/repo/tiny%20q4.gguf?download=1')).toBe('tiny q4.gguf')
    expect(runtimeOf(local, [running('a', 'http://h/x/tiny%20q4.gguf')])?.key).toBe('a')
    expect(runtimeOf(local, [running('b', '/m/tiny q4.gguf')])?.key).toBe('b')
    expect(runtimeOf(local, [running('c', 'http://h/other.gguf')])).toBeUndefined()
  })
})

describe('first run', () => {
  it('creates the default pipeline on the downloaded model when its download finishes', async () => {
    const s = setup({
      'models.pull': () => ({ pullId: 'p1' }),
      'models.list': () => ({ runtime: [], local: [], pulls: [] }),
      'pipelines.save': (i) => ({ name: i.name, version: 1, diagnostics: [] }),
      'pipelines.set_default': (i) => ({ defaultPipeline: i.name }),
      'pipelines.list': () => ({ pipelines: [] })
    })
    s.firstRun.getState().attach()
    s.models.getState().attach()
    await s.firstRun.getState().startDownload('hf://a/b/c.gguf')
    s.platform.emit('model.pull_progress', progress('done', 100))
    await until(() => s.firstRun.getState().created === 'assistant')
    const save = s.platform.calls.find((c) => c.route === 'pipelines.save')!.input as {
      text: string
    }
    expect(JSON.parse(save.text).models.assistant).toMatchObject({
      runner: 'llama-cpp',
      source: 'hf://a/b/c.gguf'
    })
    expect(s.platform.calls.some((c) => c.route === 'pipelines.set_default')).toBe(true)
  })

  it('creates nothing when the download is cancelled', async () => {
    const s = setup({
      'models.pull': () => ({ pullId: 'p1' }),
      'models.cancel_pull': () => ({ cancelled: true })
    })
    s.firstRun.getState().attach()
    await s.firstRun.getState().startDownload('hf://a/b/c.gguf')
    await s.firstRun.getState().cancel()
    s.platform.emit('model.pull_progress', progress('cancelled', 10))
    expect(s.platform.calls.map((c) => c.route)).toEqual(['models.pull', 'models.cancel_pull'])
    expect(s.firstRun.getState().pullId).toBeNull()
  })
})

describe('settings and access', () => {
  it('shows a new token once, lists apps by hint, and forgets the token when revoked', async () => {
    const info = (name: string, revokedAt: number | null = null) => ({
      name,
      hint: 'llmnet_ab',
      origin: 'created' as const,
      createdAt: 1,
      lastUsedAt: null,
      revokedAt
    })
    let apps = [info('old', 5)]
    const s = setup({
      'access.list': () => ({ apps }),
      'access.create': ({ name }) => {
        apps = [...apps, info(name)]
        return { app: info(name), token: 'llmnet_secret' }
      },
      'access.revoke': ({ name }) => {
        apps = apps.map((a) => (a.name === name ? info(name, 9) : a))
        return { name, revoked: true }
      }
    })
    expect(await s.settings.getState().createToken('webui')).toBe(true)
    expect(s.settings.getState().revealed).toEqual({ name: 'webui', token: 'llmnet_secret' })
    // Active tokens first; the list never carries a token.
    expect(s.settings.getState().apps.map((a) => a.name)).toEqual(['webui', 'old'])
    expect(JSON.stringify(s.settings.getState().apps)).not.toContain('llmnet_secret')
    await s.settings.getState().revokeToken('webui')
    expect(s.settings.getState().revealed).toBeNull()
    expect(s.platform.calls.at(-2)).toEqual({ route: 'access.revoke', input: { name: 'webui' } })
    expect(s.settings.getState().apps.every((a) => a.revokedAt !== null)).toBe(true)
  })

  it('reports a refused token with the server message and reveals nothing', async () => {
    const s = setup({
      'access.create': () => {
        throw new FakeError('conflict', 'an app named "webui" already has a token')
      }
    })
    expect(await s.settings.getState().createToken('webui')).toBe(false)
    expect(s.settings.getState().revealed).toBeNull()
    expect(s.toasts.getState().toasts[0]!.message).toMatch(/already has a token/)
  })

  it('saves one section and shows the server message when refused', async () => {
    const s = setup()
    expect(await s.settings.getState().save({ server: { port: 1 } }, 'Server settings')).toBe(false)
    expect(s.toasts.getState().toasts[0]!.message).toMatch(/^Server settings not saved: /)
  })
})

describe('secrets', () => {
  it('sends a value once and keeps only names in state', async () => {
    const s = setup({
      'secrets.set': (i) => ({ name: i.name, updatedAt: 1, usedBy: [] }),
      'secrets.list': () => ({
        secrets: [{ name: 'TOKEN', updatedAt: 1, usedBy: ['p'] }],
        storage: { kind: 'key-file' as const, warning: null }
      })
    })
    expect(await s.secrets.getState().set('TOKEN', 'v4lue')).toBe(true)
    expect(JSON.stringify(s.secrets.getState())).not.toContain('v4lue')
    expect(s.secrets.getState().secrets[0]!.usedBy).toEqual(['p'])
  })

  it('reports a failed function test with the server message', async () => {
    const s = setup()
    await s.secrets.getState().test('p', 'f', 'in')
    expect(s.secrets.getState().tests['p/f']!.result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unknown route/)
    })
  })
})
