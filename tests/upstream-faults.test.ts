/**
 * Upstream faults the server.test.ts suite does not cover: an upstream that dies in the middle of
 * a non-streamed answer (502 in OpenAI's envelope, not asked again), and a client that goes away
 * while a non-streamed request waits (the upstream request is aborted). The streamed cases are in
 * src/main/core/server/server.test.ts ("streaming failures and cancellation").
 */
import { EventEmitter, once } from 'node:events'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { externalModel, type Json, serve, type Served } from './support/harness'

function single(url: string): Json {
  return {
    models: { m: externalModel(url) },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  }
}

/**
 * An upstream whose handler gets each request once its body is read. It counts them, and emits
 * `request`, and `closed` with whether the answer was complete.
 */
async function upstream(
  handler: (res: ServerResponse) => void
): Promise<{ url: string; server: Server; requests: () => number; events: EventEmitter }> {
  let count = 0
  const events = new EventEmitter()
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      count++
      res.on('close', () => events.emit('closed', res.writableEnded))
      events.emit('request')
      handler(res)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, server, requests: () => count, events }
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function served(url: string): Promise<Served> {
  const s = await serve({ p: single(url) })
  cleanups.push(() => s.close())
  return s
}

describe('upstream faults on non-streamed requests', () => {
  it('an upstream that dies in the middle of its JSON body gives 502 upstream_error in the envelope, asked once (catches a hang, a 500 or a replay)', async () => {
    const up = await upstream((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' })
      res.write('{"id":"chatcmpl-x","object":"chat.completion","choices":[{"index":0,"mess')
      // Let the half body reach the wire, then cut the connection.
      setImmediate(() => res.destroy())
    })
    cleanups.push(() => {
      up.server.closeAllConnections()
      up.server.close()
    })
    const s = await served(up.url)
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'p', messages: [{ role: 'user', content: 'hi' }] })
    })
    expect(res.status).toBe(502)
    const body = (await res.json()) as { error: Record<string, unknown> }
    expect(body.error).toMatchObject({ code: 'upstream_error', type: 'upstream_error' })
    expect(body.error.message).toMatch(/broke the connection/)
    expect(up.requests()).toBe(1)
  })

  it('a client that disconnects while a non-streamed request waits aborts the upstream request (catches abandoned requests keeping a model busy)', async () => {
    const up = await upstream(() => undefined) // never answers
    cleanups.push(() => {
      up.server.closeAllConnections()
      up.server.close()
    })
    const s = await served(up.url)
    const controller = new AbortController()
    const held = once(up.events, 'request')
    const closed = once(up.events, 'closed')
    const request = fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'p', messages: [{ role: 'user', content: 'hi' }] }),
      signal: controller.signal
    }).catch((e: unknown) => e)
    await held
    controller.abort()
    const [ended] = (await closed) as [boolean]
    expect(ended).toBe(false) // closed by llmnet, never answered
    expect(await request).toBeInstanceOf(Error)
  })
})
