/**
 * Shutdown drains (runtime.stop with a grace period), against a real runtime on port 0 and a slow
 * streaming fake upstream: a request that finishes within the grace is answered in full; past
 * the grace, a stream ends with a `shutdown` error event and `[DONE]`, a request still waiting
 * gets 503 in the envelope, and their traces say `shutdown`, not `client_closed`.
 */
import { once } from 'node:events'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeUpstream } from '../../../../tests/support/fake-openai'
import {
  externalModel,
  type Json,
  openStream,
  serve,
  type Served,
  sseData
} from '../../../../tests/support/harness'
import { ObserveQueue } from '../engine/hooks'
import type { Trace } from '../engine/trace'

const OUTPUT = { name: 'output', adapter: 'output' }

function proxy(url: string): Json {
  return {
    models: { m: externalModel(url) },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      OUTPUT
    ]
  }
}

const WORDS = Array.from({ length: 8 }, (_, i) => `w${i} `)

const contentOf = (events: string[]): string =>
  events
    .filter((e) => e !== '[DONE]')
    .map((e) => JSON.parse(e).choices?.[0]?.delta?.content ?? '')
    .join('')

describe('runtime.stop drains', () => {
  let up: FakeUpstream | undefined
  let srv: Served | undefined

  afterEach(async () => {
    await srv?.close()
    await up?.close()
    srv = undefined
    up = undefined
  })

  // 8 × 300 ms: longer than the 2 s the server used to wait before cutting every connection.
  it('a stream that finishes within the grace is answered in full; a request sent during the drain gets 503', async () => {
    up = await startFakeUpstream(() => ({ chunks: WORDS, chunkDelayMs: 300 }))
    srv = await serve({ bot: proxy(up.url) })
    const traces: Trace[] = []
    srv.runtime.events.on('trace', (t) => traces.push(t))
    // Raw HTTP, so a second request can follow on the same (busy, so not closed) connection.
    const socket = net.connect(Number(new URL(srv.url).port), '127.0.0.1')
    let raw = ''
    socket.setEncoding('utf8').on('data', (d: string) => (raw += d))
    const body = JSON.stringify({
      model: 'bot',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }]
    })
    socket.write(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
        `content-length: ${body.length}\r\n\r\n${body}`
    )
    while (!raw.includes('"content":"w0 "')) await once(socket, 'data')

    const stopped = srv.runtime.stop({ graceMs: 60_000 })
    socket.write('GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    // A new connection during the drain is refused.
    const refused = await fetch(`${srv.url}/health`).catch((e: Error) => e.cause)
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' })
    // The server closes the connection after its 503 (which carries Connection: close).
    await once(socket, 'close')
    await stopped

    const [stream = '', late = ''] = raw.split(/(?=HTTP\/1\.1 503 )/)
    // The chunked body without its size lines; the header block and the last chunk hold no data.
    const chunked = stream.slice(stream.indexOf('\r\n\r\n') + 2)
    const events = sseData(chunked.replace(/\r\n[0-9a-f]+\r\n/gi, '\n')).filter((e) => e !== '')
    expect(contentOf(events)).toBe(WORDS.join(''))
    expect(events.some((e) => e.includes('"error"'))).toBe(false)
    expect(events.at(-2)).toContain('"finish_reason":"stop"')
    expect(events.at(-1)).toBe('[DONE]')
    expect(traces.map((t) => t.status)).toEqual(['ok'])
    expect(late).toMatch(/^HTTP\/1\.1 503 /)
    expect(JSON.parse(late.slice(late.indexOf('\r\n\r\n') + 4)).error).toMatchObject({
      code: 'shutdown',
      type: 'server_error'
    })
  })

  it('past the grace, a stream ends with a shutdown error event and [DONE]; a waiting request gets 503', async () => {
    up = await startFakeUpstream((req) =>
      req.body?.stream ? { chunks: WORDS, stallAfterChunks: 1 } : { hang: true }
    )
    srv = await serve({ bot: proxy(up.url) })
    const traces: Trace[] = []
    srv.runtime.events.on('trace', (t) => traces.push(t))
    const stream = await openStream(srv.url, 'bot', '"content":"w0 "')
    // A buffered request waiting on its upstream (which never answers).
    const upstreamGotIt = once(up.events, 'request')
    const waiting = fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bot', messages: [{ role: 'user', content: 'hi' }] })
    })
    await upstreamGotIt

    await srv.runtime.stop({ graceMs: 100 })

    const events = sseData(await stream.rest())
    expect(contentOf(events)).toBe('w0 ')
    const error = JSON.parse(events.at(-2) as string).error
    expect(error).toMatchObject({ code: 'shutdown', type: 'server_error' })
    expect(events.at(-1)).toBe('[DONE]')

    const res = await waiting
    expect(res.status).toBe(503)
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({
      code: 'shutdown',
      type: 'server_error'
    })

    expect(traces.map((t) => t.error?.code).sort()).toEqual(['shutdown', 'shutdown'])
    // New connections are refused once the server stopped.
    await expect(fetch(`${srv.url}/health`)).rejects.toThrow()
  })

  it('the observe-hook queue is waited for, but only up to a bound', async () => {
    const queue = new ObserveQueue()
    let finish = (): void => undefined
    void queue.push(() => new Promise<void>((resolve) => (finish = resolve)))
    // A hook that never ends is abandoned after the bound…
    await queue.idle(50)
    // …and one that ends is waited for.
    const idle = queue.idle(60_000)
    finish()
    await idle
    await queue.idle(60_000)
  })
})
