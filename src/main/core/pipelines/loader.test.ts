/**
 * The reload path of PipelineService, with real files and a real directory watcher: whatever a
 * reload meets (a hostile file, a loader that throws), the pipeline already served stays served
 * and `pipeline.reload_failed` says why.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  externalModel,
  replaceFile,
  tempDir,
  writeComposition
} from '../../../../tests/support/harness'
import { loadPipelineFile } from '../config/load-composition'
import { EventBus, type RuntimeEvents } from '../events'
import { PipelineRegistry } from './registry'
import { PipelineService } from './service'

function composition(context: string): Record<string, unknown> {
  return {
    models: { m: externalModel('http://127.0.0.1:9/v1') },
    architecture: [
      {
        name: 'bot',
        layer: 0,
        model: 'm',
        adapter: 'openai-api',
        context,
        'output-to': ['output']
      },
      { name: 'output', adapter: 'output' }
    ]
  }
}

/** The context the served pipeline `live` answers with. */
function servedContext(registry: PipelineRegistry): unknown {
  return registry.get('live')?.composition.architecture[0]?.context
}

function next<K extends keyof RuntimeEvents>(events: EventBus, name: K): Promise<RuntimeEvents[K]> {
  return new Promise((resolve) => {
    const off = events.on(name, (e) => {
      off()
      resolve(e)
    })
  })
}

describe('PipelineService reload', () => {
  const tmp = tempDir('llmnet-loader-')
  let loader: PipelineService | undefined
  afterEach(() => loader?.close())
  beforeEach(() => (loader = undefined))

  it('a hostile file written over a served one keeps the old pipeline and reports line:column (fails if the reload crashes or drops it)', async () => {
    const file = writeComposition(tmp.dir, 'live', composition('A'))
    const registry = new PipelineRegistry()
    const events = new EventBus()
    loader = new PipelineService({ registry, events, secrets: { env: {} } })
    expect((await loader.loadFile(file)).ok).toBe(true)
    loader.watch([file], 10)

    const failed = next(events, 'pipeline.reload_failed')
    const deep = 5000
    replaceFile(file, `{"models": {}, "x": ${'['.repeat(deep)}${']'.repeat(deep)}}`)
    const report = await failed
    expect(report.id).toBe('live')
    expect(report.errors).toEqual([expect.stringMatching(/live\.json:1:\d+: nested deeper than/)])
    expect(servedContext(registry)).toBe('A')

    const yamlFile = writeComposition(tmp.dir, 'bomb.yaml', {})
    const bomb = ['models: {}', 'a: &a [x, x, x, x, x, x, x, x, x]']
    for (const [prev, name] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg', 'gh', 'hi'])
      bomb.push(`${name}: &${name} [${Array(9).fill(`*${prev}`)}]`)
    const yamlFailed = next(events, 'pipeline.reload_failed')
    loader.watch([yamlFile], 10)
    replaceFile(yamlFile, bomb.join('\n'))
    expect((await yamlFailed).errors).toEqual([
      expect.stringMatching(/bomb\.yaml:\d+:\d+: aliases expand too much/)
    ])
    expect(servedContext(registry)).toBe('A')
  })

  it('a reload that throws keeps the old pipeline and emits pipeline.reload_failed (fails if an exception can escape the watcher)', async () => {
    const file = writeComposition(tmp.dir, 'live', composition('A'))
    const registry = new PipelineRegistry()
    const events = new EventBus()
    let fail = false
    loader = new PipelineService({
      registry,
      events,
      secrets: { env: {} },
      loadFile: (path, opts) => {
        if (fail) throw new RangeError('Maximum call stack size exceeded')
        return loadPipelineFile(path, opts)
      }
    })
    await loader.loadFile(file)
    loader.watch([file], 10)

    fail = true
    const failed = next(events, 'pipeline.reload_failed')
    replaceFile(file, JSON.stringify(composition('B')))
    const report = await failed
    expect(report.errors).toEqual([
      `${file}:1:1: the pipeline cannot be loaded: Maximum call stack size exceeded`
    ])
    expect(servedContext(registry)).toBe('A')

    // The watcher survived: the next good edit is picked up.
    fail = false
    const loaded = next(events, 'pipeline.loaded')
    replaceFile(file, JSON.stringify(composition('C')))
    expect(await loaded).toMatchObject({ id: 'live', reloaded: true })
    expect(servedContext(registry)).toBe('C')
  })

  it('a first load that throws is reported as an invalid file, not a rejection', async () => {
    const file = writeComposition(tmp.dir, 'first', composition('A'))
    const throwing = new PipelineService({
      registry: new PipelineRegistry(),
      events: new EventBus(),
      secrets: { env: {} },
      loadFile: () => Promise.reject(new Error('disk on fire'))
    })
    const result = await throwing.loadFile(file)
    expect(result).toMatchObject({ ok: false, id: 'first' })
    expect(result.diagnostics[0]?.message).toContain('disk on fire')
  })
})
