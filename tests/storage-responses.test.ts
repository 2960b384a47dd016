/**
 * Stored responses (schema 4): the SQLite store's reads, item lookup and bound, and, under the
 * app runtime (what `serve` and the desktop app run), a response that outlives a restart, so
 * `previous_response_id` continues a conversation the process before answered.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { ResponseInputItem } from '../src/shared/openai/responses'
import { MemoryResponseStore } from '../src/main/core/responses/response-store'
import { SqliteResponseStore } from '../src/main/core/storage/response-repository'
import { openStore } from '../src/main/core/storage/store'
import { createAppRuntime } from '../src/main/runtime'
import { type FakeUpstream, startFakeUpstream } from './support/fake-openai'
import { tempDir } from './support/harness'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary wire JSON
type Wire = Record<string, any>

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f()
})

const message = (id: string, text: string): ResponseInputItem => ({
  type: 'message',
  id,
  role: 'user',
  content: text
})

describe('SqliteResponseStore', () => {
  it('keeps responses and finds their items by id; the oldest beyond the bound are deleted', () => {
    const tmp = tempDir('llmnet-responses-')
    const store = openStore({ dataDir: tmp.dir, settingsSchema: z.object({}), env: {} })
    cleanups.push(tmp.remove, () => store.close())
    const responses = new SqliteResponseStore(store.db, 2)
    for (let i = 1; i <= 3; i++)
      responses.put({
        id: `resp_${i}`,
        createdAt: i,
        items: [message(`msg_${i}`, `text ${i}`)],
        response: { id: `resp_${i}`, object: 'response' }
      })
    expect(responses.get('resp_1')).toBeUndefined()
    expect(responses.item('msg_1')).toBeUndefined()
    expect(responses.get('resp_3')?.items).toEqual([message('msg_3', 'text 3')])
    expect(responses.item('msg_2')).toEqual(message('msg_2', 'text 2'))
    expect(responses.delete('resp_2')).toBe(true)
    expect(responses.item('msg_2')).toBeUndefined()
    expect(responses.delete('resp_2')).toBe(false)
  })
})

describe('MemoryResponseStore (llmnet run)', () => {
  it('keeps the newest responses up to its bound, and their items', () => {
    const responses = new MemoryResponseStore(2)
    for (let i = 1; i <= 3; i++)
      responses.put({
        id: `resp_${i}`,
        createdAt: i,
        items: [message(`msg_${i}`, `text ${i}`)],
        response: {}
      })
    expect(responses.size).toBe(2)
    expect(responses.get('resp_1')).toBeUndefined()
    expect(responses.item('msg_1')).toBeUndefined()
    expect(responses.item('msg_3')).toEqual(message('msg_3', 'text 3'))
  })
})

describe('stored responses under the app runtime', () => {
  let up: FakeUpstream
  beforeAll(async () => {
    up = await startFakeUpstream()
  })
  afterAll(async () => {
    await up.close()
  })

  it('previous_response_id continues a response stored before a restart', async () => {
    const tmp = tempDir('llmnet-responses-app-')
    cleanups.push(tmp.remove)
    const env = { LLMNET_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }
    const composition = JSON.stringify({
      models: { chat: { type: 'external', url: up.url } },
      architecture: [
        {
          name: 'assistant',
          layer: 0,
          model: 'chat',
          adapter: 'openai-api',
          'output-to': ['output']
        },
        { name: 'output', adapter: 'output' }
      ]
    })
    const start = async () => {
      const app = await createAppRuntime({ dataDir: tmp.dir, env })
      app.store.pipelines.save({ name: 'chat', text: composition, format: 'json' })
      await app.start({ host: '127.0.0.1', port: 0 })
      const url = app.server.status().url as string
      const create = async (body: unknown) => {
        const res = await fetch(`${url}/v1/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body)
        })
        return { status: res.status, json: (await res.json()) as Wire }
      }
      return { app, create }
    }
    const first = await start()
    const a = await first.create({ model: 'chat', input: 'remember 42' })
    expect(a.status).toBe(200)
    await first.app.stop({ graceMs: 100 })

    const second = await start()
    cleanups.push(() => second.app.stop({ graceMs: 100 }))
    const b = await second.create({
      model: 'chat',
      input: 'what number?',
      previous_response_id: a.json.id
    })
    expect(b.status).toBe(200)
    const sent = up.requests.at(-1)?.body.messages as { role: string; content: string }[]
    expect(sent.map((m) => m.content)).toEqual([
      'remember 42',
      a.json.output[0].content[0].text,
      'what number?'
    ])
  })
})
