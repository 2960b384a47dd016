import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../tests/support/harness'
import { CompositionSchema } from '../../../shared/config/schema'
import { compilePipeline } from '../engine/pipeline'
import { EventBus, type RuntimeEvents } from '../events'
import { LocalModelManager } from '../local/manager'
import { ModelLibrary } from '../models/library'
import { PipelineRegistry } from './registry'
import { PipelineService } from './service'

const composition = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    models: { m: { type: 'external', url: 'http://127.0.0.1:9/v1' } },
    architecture: [
      { name: 'chat', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ],
    ...extra
  })

describe('PipelineService', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => cleanups.splice(0).forEach((c) => c()))

  function setup() {
    const tmp = tempDir('llmnet-service-')
    cleanups.push(tmp.remove)
    const registry = new PipelineRegistry()
    const events = new EventBus()
    const seen: { event: keyof RuntimeEvents; id: string }[] = []
    for (const e of ['pipeline.loaded', 'pipeline.removed', 'pipeline.reload_failed'] as const)
      events.on(e, (p) => seen.push({ event: e, id: p.id }))
    const removed: string[] = []
    const service = new PipelineService({
      registry,
      events,
      secrets: { env: {} },
      workspaceRoot: join(tmp.dir, 'workspaces'),
      onRemoved: (p) => void removed.push(p.id)
    })
    cleanups.push(() => service.close())
    return { tmp, registry, service, seen, removed }
  }

  it('resolves a library pipeline’s relative env file in its workspace, never in the working folder (catches paths resolved against cwd)', async () => {
    const { tmp, service, registry } = setup()
    const withSecret = composition({
      secrets: { keys: { source: 'env-file', path: 'keys.env' } }
    })
    // Only the working folder has the file: the library pipeline must not find it there.
    const cwd = join(tmp.dir, 'cwd')
    mkdirSync(cwd)
    writeFileSync(join(cwd, 'keys.env'), 'TOKEN=from-cwd\n')
    const before = process.cwd()
    process.chdir(cwd)
    try {
      const missing = await service.loadText('agent', withSecret, 'json')
      expect(missing.ok).toBe(false)
      expect(missing.diagnostics.map((d) => d.code)).toContain('unresolved-secret')
      // The same file in the workspace resolves.
      writeFileSync(join(service.workspaceFor('agent'), 'keys.env'), 'TOKEN=from-workspace\n')
      const loaded = await service.loadText('agent', withSecret, 'json')
      expect(loaded.ok).toBe(true)
      expect(registry.get('agent')?.baseDir).toBe(join(tmp.dir, 'workspaces', 'agent'))
      expect(registry.get('agent')?.secrets.get('keys', 'TOKEN')).toBe('from-workspace')
    } finally {
      process.chdir(before)
    }
  })

  it('the default pipeline is the chosen one while served, else the first served (catches `llmnet` lost on a second deploy)', async () => {
    const { service, registry } = setup()
    expect(registry.default()).toBeUndefined() // nothing served
    await service.loadText('first', composition(), 'json')
    expect(registry.default()?.id).toBe('first') // the only one served
    await service.loadText('second', composition(), 'json')
    expect(registry.resolve('llmnet')?.id).toBe('first') // two served, none chosen: the first
    registry.setDefault('second')
    expect(registry.resolve('llmnet')?.id).toBe('second')
    await service.loadText('first', composition({ description: 'reloaded' }), 'json')
    expect(registry.default()?.id).toBe('second') // a reload of another does not move it
    await service.remove('second')
    expect(registry.default()?.id).toBe('first') // the chosen one is gone: the first served
    expect(registry.defaultSetting()).toBe('second') // and it is default again once back
    await service.loadText('second', composition(), 'json')
    expect(registry.default()?.id).toBe('second')
  })

  it('refuses a second pipeline of the same id from another origin and keeps the first (catches silent replacement)', async () => {
    const { tmp, service, registry } = setup()
    const file = join(tmp.dir, 'shared.json')
    writeFileSync(file, composition({ description: 'from the file' }))
    expect((await service.loadFile(file)).ok).toBe(true)
    const clash = await service.loadText('shared', composition({ description: 'library' }), 'json')
    expect(clash.ok).toBe(false)
    expect(clash.diagnostics.at(-1)?.message).toBe(
      `pipeline id "shared" is already served from ${file}`
    )
    expect(registry.get('shared')?.composition.description).toBe('from the file')
    // The same origin replaces itself (an edit).
    expect((await service.loadText('other', composition(), 'json')).ok).toBe(true)
    const edit = await service.loadText('other', composition({ description: 'v2' }), 'json')
    expect(edit.ok).toBe(true)
    expect(registry.get('other')?.composition.description).toBe('v2')
  })

  it('emits pipeline.removed and releases what the pipeline used', async () => {
    const { service, registry, seen, removed } = setup()
    await service.loadText('gone', composition(), 'json')
    expect(await service.remove('gone')).toBe(true)
    expect(registry.get('gone')).toBeUndefined()
    expect(seen.at(-1)).toEqual({ event: 'pipeline.removed', id: 'gone' })
    expect(removed).toEqual(['gone'])
    expect(await service.remove('gone')).toBe(false)
  })

  it('turns anything thrown while loading into a diagnostic and keeps the old pipeline (catches a reload that kills the server)', async () => {
    const { tmp, service, registry, seen } = setup()
    await service.loadText('steady', composition({ description: 'old' }), 'json')
    // The workspace folder cannot be created: a file stands where it should be.
    writeFileSync(join(tmp.dir, 'workspaces', 'blocked'), 'not a folder')
    const result = await service.loadText('blocked', composition(), 'json', { reloaded: true })
    expect(result.ok).toBe(false)
    expect(result.diagnostics[0]?.message).toMatch(/^the pipeline cannot be loaded: /)
    expect(seen.at(-1)).toEqual({ event: 'pipeline.reload_failed', id: 'blocked' })
    expect(registry.get('steady')?.composition.description).toBe('old')
  })

  it('rejects names that are not safe folder names, and relative file paths', async () => {
    const { service } = setup()
    const bad = await service.loadText('../escape', composition(), 'json')
    expect(bad.ok).toBe(false)
    expect(bad.diagnostics[0]?.message).toMatch(/not a valid pipeline name/)
    await expect(service.loadFile('relative.json')).rejects.toThrow(/absolute/)
  })
})

describe('LocalModelManager.release', () => {
  it('drops providers only the removed pipeline used, keeps shared ones (catches leaked providers)', async () => {
    const manager = new LocalModelManager({
      library: new ModelLibrary({ dataDir: '/tmp/llmnet-none', env: {} }),
      events: new EventBus()
    })
    const pipeline = (id: string) =>
      compilePipeline(
        id,
        CompositionSchema.parse({
          models: { big: { runner: 'vllm', source: 'Qwen/Qwen2.5-7B-Instruct' } },
          architecture: [
            { name: 'c', layer: 0, model: 'big', adapter: 'openai-api', 'output-to': ['output'] },
            { name: 'output', adapter: 'output' }
          ]
        }),
        { baseDir: '/tmp' }
      )
    const a = pipeline('a')
    const b = pipeline('b')
    const model = a.composition.models.big!
    const shared = manager.providerFor(a, 'big', model)
    expect(manager.providerFor(b, 'big', model)).toBe(shared)
    await manager.release('a')
    expect(manager.providerFor(b, 'big', model)).toBe(shared) // b still uses it
    await manager.release('b')
    expect(manager.providerFor(b, 'big', model)).not.toBe(shared) // released, a new one now
  })
})
