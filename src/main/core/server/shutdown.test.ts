/**
 * Shutdown drains (runtime.stop with a grace period), against a real runtime on port 0 and a slow
 * streaming fake upstream: a request that finishes within the grace is answered in full; past
 * the grace, a stream ends with a `shutdown` error event and `[DONE]`, a request still waiting
 * gets 503 in the envelope, and their traces say `shutdown`, not `client_closed`.
 */
import { once } from 'node:events'
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
  it('a stream that finishes within the grace is answered in full', async () => {
    up = await startFakeUpstream(() => ({ chunks: WORDS, chunkDelayMs: 300 }))
    srv = await serve({ bot: proxy(up.url) })
    const traces: Trace[] = []
    srv.runtime.events.on('trace', (t) => traces.push(t))
    const stream = await openStream(srv.url, 'bot', '"content":"w0 "')
    const stopped = srv.runtime.stop({ graceMs: 60_000 })
    const events = sseData(await stream.rest())
    await stopped
    expect(contentOf(events)).toBe(WORDS.join(''))
    expect(events.some((e) => e.includes('"error"'))).toBe(false)
    expect(events.at(-2)).toContain('"finish_reason":"stop"')
    expect(events.at(-1)).toBe('[DONE]')
    expect(traces.map((t) => t.status)).toEqual(['ok'])
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
})
