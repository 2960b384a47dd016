/**
 * The HTTP plugin in memory with inject(), and once on a real socket for SSE. Catches a missing or
 * wrong token getting through, Fastify's errors escaping the envelope, bad input without its path,
 * and events not reaching a subscriber.
 */
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type ControlFixture,
  controlFixture,
  echoComposition
} from '../../../tests/support/control-services'
import { type FakeUpstream, startFakeUpstream } from '../../../tests/support/fake-openai'
import type { EventHub } from './events'
import { controlApiPlugin } from './http'

const TOKEN = 'test-token-0123456789abcdef'
const auth = { authorization: `Bearer ${TOKEN}` }
let app: FastifyInstance | undefined
let fixture: ControlFixture | undefined
let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

/** The plugin over the real handlers (an in-memory store, nothing served yet). */
async function setup(
  opts: { bodyLimitBytes?: number } = {}
): Promise<{ app: FastifyInstance; hub: EventHub }> {
  fixture = controlFixture()
  const { hub } = fixture
  app = Fastify()
  await app.register(controlApiPlugin, {
    prefix: '/api',
    handlers: fixture.handlers,
    token: TOKEN,
    events: hub,
    ...opts
  })
  return { app, hub }
}

afterEach(async () => {
  await app?.close()
  await fixture?.close()
  app = undefined
  fixture = undefined
})

describe('controlApiPlugin', () => {
  it('refuses a missing, wrong, or differently sized token with 401 and the envelope', async () => {
    const { app } = await setup()
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-0123456789abcd' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: TOKEN }
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/settings.get',
        headers,
        payload: {}
      })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toMatchObject({ ok: false, error: { code: 'invalid_api_key' } })
    }
    const events = await app.inject({ method: 'GET', url: '/api/events' })
    expect(events.statusCode).toBe(401)
  })

  it('answers a good token with 200 and the data', async () => {
    const { app } = await setup()
    const res = await app.inject({
      method: 'POST',
      url: '/api/settings.set',
      headers: auth,
      payload: { server: { port: 9000 } }
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      ok: true,
      data: { server: { host: '127.0.0.1', port: 9000 } }
    })
    // No body at all for a route without input.
    const list = await app.inject({ method: 'POST', url: '/api/pipelines.list', headers: auth })
    expect(list.json()).toEqual({ ok: true, data: { pipelines: [] } })
  })

  it('maps bad input to 400 with its path, and error codes to their statuses', async () => {
    const { app } = await setup()
    const bad = await app.inject({
      method: 'POST',
      url: '/api/settings.set',
      headers: auth,
      payload: { server: { port: 'x' } }
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.details.issues[0].path).toEqual(['server', 'port'])
    const missing = await app.inject({
      method: 'POST',
      url: '/api/traces.get',
      headers: auth,
      payload: { id: 'nope' }
    })
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'not_found'])
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/secrets.reveal',
      headers: auth,
      payload: {}
    })
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'not_found'])
    const json = await app.inject({
      method: 'POST',
      url: '/api/settings.get',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{oops'
    })
    expect([json.statusCode, json.json().error.code]).toEqual([400, 'invalid_request'])
    expect(json.body).not.toContain('at ')
  })

  it('refuses a body over its limit with 413', async () => {
    const { app } = await setup({ bodyLimitBytes: 1024 })
    const res = await app.inject({
      method: 'POST',
      url: '/api/pipelines.validate',
      headers: auth,
      payload: { text: 'x'.repeat(2000) }
    })
    expect([res.statusCode, res.json().error.code]).toEqual([413, 'request_too_large'])
  })

  it('streams chat.start deltas and the final trace over SSE on a real socket', async () => {
    const { app } = await setup()
    await app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = app.server.address() as AddressInfo
    const save = await app.inject({
      method: 'POST',
      url: '/api/pipelines.save',
      headers: auth,
      payload: { name: 'p', text: echoComposition(upstream.url), format: 'json' }
    })
    expect(save.statusCode).toBe(200)
    let chatId: Promise<string> | undefined

    const frames: string[] = []
    const done = new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/api/events?events=chat.delta,chat.done', headers: auth },
        (res) => {
          expect(res.headers['content-type']).toContain('text/event-stream')
          let buffer = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            buffer += chunk
            let end: number
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const frame = buffer.slice(0, end)
              buffer = buffer.slice(end + 2)
              if (frame === ': connected') chatId = startChat()
              else frames.push(frame)
              if (frame.startsWith('event: chat.done')) {
                req.destroy()
                resolve()
              }
            }
          })
        }
      )
      req.on('error', reject)
      req.end()
    })
    const startChat = async (): Promise<string> => {
      const res = await app!.inject({
        method: 'POST',
        url: '/api/chat.start',
        headers: auth,
        payload: { pipeline: 'p', messages: [{ role: 'user', content: 'hi' }] }
      })
      expect(res.json()).toMatchObject({ ok: true, data: { chatId: expect.any(String) } })
      return res.json().data.chatId
    }
    await done
    const parsed = frames.map((f) => {
      const [event, data] = f.split('\n')
      return {
        event: event!.slice('event: '.length),
        data: JSON.parse(data!.slice('data: '.length))
      }
    })
    const id = await chatId
    const last = parsed.at(-1)!
    expect(last.event).toBe('chat.done')
    const deltas = parsed.slice(0, -1)
    expect(deltas.length).toBeGreaterThan(0)
    expect(deltas.every((p) => p.event === 'chat.delta' && p.data.chatId === id)).toBe(true)
    // The fake upstream answers "<model> says: <last user text>".
    expect(deltas.map((p) => p.data.content).join('')).toMatch(/ says: hi$/)
    expect(last.data).toMatchObject({
      chatId: id,
      error: null,
      trace: { pipeline: 'p', status: 'ok' }
    })
  })

  it('refuses an unknown event filter', async () => {
    const { app } = await setup()
    const res = await app.inject({
      method: 'GET',
      url: '/api/events?events=secret.value',
      headers: auth
    })
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'invalid_request'])
  })
})
