import { describe, expect, it } from 'vitest'
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

  it('uses the fallback catalog until the server offers models.catalog', async () => {
    const s = setup()
    await s.models.getState().loadCatalog()
    expect(s.models.getState().catalog[0]!.sizeBytes).toBeGreaterThan(0)
    expect(s.toasts.getState().toasts).toEqual([])
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
  it('hides access tokens when the server has no access routes', async () => {
    const s = setup()
    await s.settings.getState().refreshAccess()
    expect(s.settings.getState().accessSupported).toBe(false)
    expect(s.toasts.getState().toasts).toEqual([])
  })

  it('shows a new token once, and forgets it when revoked', async () => {
    let tokens = [] as { id: string }[]
    const s = setup({
      'access.list': () => ({ tokens }),
      'access.create': () => {
        tokens = [{ id: 't1' }]
        return { id: 't1', token: 'llm-secret' }
      },
      'access.revoke': () => {
        tokens = []
        return { revoked: true }
      }
    })
    await s.settings.getState().createToken('webui', 'app-token')
    expect(s.settings.getState().revealed).toEqual({ id: 't1', token: 'llm-secret' })
    expect(s.settings.getState().tokens).toHaveLength(1)
    await s.settings.getState().revokeToken('t1')
    expect(s.settings.getState().revealed).toBeNull()
    expect(s.settings.getState().tokens).toEqual([])
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
