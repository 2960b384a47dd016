/**
 * Model credentials never reach the client or the trace: a fake upstream echoes the
 * Authorization header it received into its answer, its error body and a streamed error event.
 * Also: text held back by the streaming redactor is delivered before a mid-stream error.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Trace } from '../src/main/core/engine/trace'
import { type FakeReply, startFakeUpstream, type FakeUpstream } from './support/fake-openai'
import { externalModel, type Json, serve, type Served, sseData } from './support/harness'

const ENV_KEY = 'sk-env-0123456789abcdef'
const LITERAL_KEY = 'sk-literal-fedcba9876543210'

let up: FakeUpstream
const open: Served[] = []

beforeAll(async () => {
  up = await startFakeUpstream()
})
afterAll(async () => {
  await up.close()
})
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close()
  up.requests.length = 0
})

function proxy(apiKey: string): Json {
  return {
    models: { m: externalModel(up.url, { 'api-key': apiKey }) },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  }
}

async function start(compositions: Record<string, Json>): Promise<Served> {
  const s = await serve(compositions, { env: { UPSTREAM_KEY: ENV_KEY } })
  open.push(s)
  return s
}

function collectTraces(s: Served): Trace[] {
  const traces: Trace[] = []
  s.runtime.events.on('trace', (t) => traces.push(t))
  return traces
}

async function chat(s: Served, model: string, stream: boolean): Promise<string> {
  const res = await fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'q' }] })
  })
  return `${res.status} ${await res.text()}`
}

/** The Authorization header the upstream received, as the upstream would echo it. */
const echoed = (headers: Record<string, unknown>): string => String(headers.authorization)

describe('model api keys are redacted', () => {
  const replies: Record<string, (auth: string) => FakeReply> = {
    answer: (auth) => ({ content: `you sent ${auth} ok`, chunks: [`you sent ${auth}`, ' ok'] }),
    'split answer': (auth) => ({
      content: `you sent ${auth}!`,
      chunks: ['you sent ', auth.slice(0, 12), auth.slice(12), '!']
    }),
    'error body': (auth) => ({ status: 400, error: `bad request from ${auth}` }),
    'refused key': (auth) => ({ status: 401, error: `bad credentials: ${auth}` }),
    'streamed error': (auth) => ({ chunks: ['partial '], streamError: `rejected ${auth}` })
  }

  for (const [what, reply] of Object.entries(replies)) {
    it(`in the ${what}, JSON and SSE, for $ENV_VAR and literal keys, and in the trace (fails if api-key values are not registered with the redactor)`, async () => {
      up.setResponder((req) => reply(echoed(req.headers)))
      const s = await start({ env: proxy('$UPSTREAM_KEY'), literal: proxy(LITERAL_KEY) })
      const traces = collectTraces(s)
      for (const [model, key] of [
        ['env', ENV_KEY],
        ['literal', LITERAL_KEY]
      ] as const) {
        // The fake sends error events only on streams.
        for (const stream of what === 'streamed error' ? [true] : [false, true]) {
          const text = await chat(s, model, stream)
          expect(text, `${model} stream=${stream}`).not.toContain(key)
          expect(text).toContain('[redacted]')
          // An upstream 4xx keeps its meaning (upstream_rejected); a failed stream is upstream_error.
          if (what === 'error body') expect(text).toMatch(/^400 .*upstream_rejected/)
          // A refused key is llmnet's own, not the client's: a 502, never a 401 for the client.
          if (what === 'refused key') expect(text).toMatch(/^502 .*refused llmnet's credentials/)
          if (what === 'streamed error') expect(text).toContain('upstream_error')
        }
      }
      // The key was really sent (and echoed): the redaction is what hid it.
      expect(up.requests.map((r) => r.headers.authorization)).toContain(`Bearer ${ENV_KEY}`)
      expect(up.requests.map((r) => r.headers.authorization)).toContain(`Bearer ${LITERAL_KEY}`)
      expect(traces).toHaveLength(what === 'streamed error' ? 2 : 4)
      for (const t of traces) {
        expect(JSON.stringify(t)).not.toContain(ENV_KEY)
        expect(JSON.stringify(t)).not.toContain(LITERAL_KEY)
      }
    })
  }
})

describe('a stream that fails after held-back text', () => {
  it('delivers all text (secret redacted) before the error event and [DONE] (fails if the redactor tail is dropped)', async () => {
    const words = ['alpha ', 'beta ', `key=${ENV_KEY} `, 'gamma ', 'delta ', 'epsilon']
    // The upstream dies where its last piece would have been.
    up.setResponder(() => ({ chunks: [...words, 'never'], dropAfterChunks: words.length }))
    const s = await start({ env: proxy('$UPSTREAM_KEY') })
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'env',
        stream: true,
        messages: [{ role: 'user', content: 'q' }]
      })
    })
    expect(res.status).toBe(200)
    const data = sseData(await res.text())
    expect(data.at(-1)).toBe('[DONE]')
    const events = data.slice(0, -1).map(
      (d) =>
        JSON.parse(d) as {
          error?: { code: string }
          choices?: { delta: { content?: string } }[]
        }
    )
    expect(events.at(-1)?.error).toMatchObject({ code: 'upstream_error' })
    const text = events
      .slice(0, -1)
      .map((e) => e.choices?.[0]?.delta.content ?? '')
      .join('')
    expect(text).toBe('alpha beta key=[redacted] gamma delta epsilon')
  })
})
