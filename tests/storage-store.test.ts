/** openStore: the lock, the database and the repositories together, and their order on close. */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { StorageError } from '../src/main/core/storage/errors'
import { openMemoryStore, openStore } from '../src/main/core/storage/store'
import { tempDir } from './support/harness'

const Settings = z.object({ defaultPipeline: z.string().optional() })
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const f of cleanups.splice(0)) f()
})

function dataDir(): string {
  const tmp = tempDir('llmnet-store-')
  cleanups.push(tmp.remove)
  return path.join(tmp.dir, 'data')
}

describe('openStore', () => {
  it('owns the data folder until closed, then flushes traces and releases the lock', () => {
    const dir = dataDir()
    const store = openStore({ dataDir: dir, settingsSchema: Settings, env: {} })
    cleanups.unshift(() => store.close())
    expect(existsSync(path.join(dir, 'llmnet.lock'))).toBe(true)
    expect(() => openStore({ dataDir: dir, settingsSchema: Settings, env: {} })).toThrow(
      /in use by another llmnet/
    )

    store.pipelines.save({ name: 'chat', text: '{}', format: 'json' })
    store.settings.set('defaultPipeline', 'chat')
    store.secrets.set('openai.API_KEY', 'k')
    store.traceWriter.push({
      id: 'x',
      pipeline: 'chat',
      stream: false,
      startedAt: Date.now(),
      durationMs: 1,
      status: 'ok',
      route: ['chat'],
      hops: [],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
    })
    store.close()
    expect(existsSync(path.join(dir, 'llmnet.lock'))).toBe(false)

    const again = openStore({ dataDir: dir, settingsSchema: Settings, env: {} })
    cleanups.unshift(() => again.close())
    expect(again.traces.get('x')?.pipeline).toBe('chat')
    expect(again.settings.get('defaultPipeline')).toBe('chat')
    expect(again.secrets.resolve('openai.API_KEY')).toBe('k')
    expect(again.pipelines.get('chat')?.version).toBe(1)
  })

  it('releases the lock when opening fails after it (here: a malformed key)', () => {
    const dir = dataDir()
    const bad = { LLMNET_SECRET_KEY: 'not-a-key' }
    expect(() => openStore({ dataDir: dir, settingsSchema: Settings, env: bad })).toThrow(
      StorageError
    )
    expect(existsSync(path.join(dir, 'llmnet.lock'))).toBe(false)
  })

  it('openMemoryStore: every repository over a private in-memory database, sealed secrets', () => {
    const store = openMemoryStore({ settingsSchema: Settings })
    cleanups.unshift(() => store.close())
    store.pipelines.save({ name: 'chat', text: '{}', format: 'json' })
    store.secrets.set('openai.API_KEY', 'k')
    expect(store.secrets.resolve('openai.API_KEY')).toBe('k')
    const raw = store.db.prepare('SELECT value FROM secrets').get() as { value: Buffer | string }
    expect(String(raw.value)).not.toBe('k')
    const other = openMemoryStore({ settingsSchema: Settings })
    cleanups.unshift(() => other.close())
    expect(other.pipelines.list()).toEqual([])
    store.close()
    store.close()
  })
})
