/**
 * One mapping of an upstream's HTTP errors for every route: chat completions (through the
 * OpenAI-compatible provider), embeddings and legacy completions (through the endpoint call) see
 * the same status and code for the same upstream answer.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeUpstream } from './support/fake-openai'
import { externalModel, serve, type Served } from './support/harness'

/** A 1-0-1 pipeline named `p` on the upstream at `url`. */
const oneNode = (url: string) => ({
  p: {
    models: { m: externalModel(url) },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  }
})

/** What the upstream answers next, on every path. */
let answer = { status: 500, body: '{}', headers: {} as Record<string, string> }
let upstream: Server
let s: Served

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      res.end(answer.body)
    })
  })
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  // The shared fake upstream answers embeddings only with success: this one fails every path.
  s = await serve(
    oneNode(url),
    // No retries: each request reaches the upstream once (a 429's Retry-After would be waited).
    { timeouts: { maxRetries: 0 } }
  )
})
afterAll(async () => {
  await s?.close()
  await new Promise((r) => upstream.close(r))
})

const routes = {
  chat: { path: '/v1/chat/completions', body: { messages: [{ role: 'user', content: 'q' }] } },
  'chat, streamed': {
    path: '/v1/chat/completions',
    body: { stream: true, messages: [{ role: 'user', content: 'q' }] }
  },
  embeddings: { path: '/v1/embeddings', body: { input: 'q' } },
  completions: { path: '/v1/completions', body: { prompt: 'q' } }
}

async function call(route: keyof typeof routes) {
  const { path, body } = routes[route]
  const res = await fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'p', ...body })
  })
  const json = (await res.json()) as { error: { code: string; message: string } }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), error: json.error }
}

describe('an upstream error means the same on every route', () => {
  const cases = [
    {
      what: 'a refused key (401) is a 502 naming llmnet’s credentials, never a 401 for the client',
      answer: {
        status: 401,
        body: '{"error":{"message":"Incorrect API key","code":"invalid_api_key"}}'
      },
      status: 502,
      code: 'upstream_error',
      message: /refused llmnet's credentials for it \(401\): Incorrect API key/
    },
    {
      what: 'a forbidden model (403) is the same 502',
      answer: { status: 403, body: '{"error":{"message":"no access to this model"}}' },
      status: 502,
      code: 'upstream_error',
      message: /\(403\): no access to this model/
    },
    {
      what: 'a refusal (422) keeps its status and code',
      answer: {
        status: 422,
        body: '{"error":{"message":"temperature too high","code":"bad_temperature"}}'
      },
      status: 422,
      code: 'bad_temperature',
      message: /answered 422: temperature too high/
    },
    {
      what: 'a rate limit (429) keeps its Retry-After',
      answer: {
        status: 429,
        body: '{"error":{"message":"slow down"}}',
        headers: { 'retry-after': '7' }
      },
      status: 429,
      code: 'rate_limited',
      message: /rate limiting \(429\): slow down/,
      retryAfter: '7'
    },
    {
      what: 'a server error (500) is a 502',
      answer: { status: 500, body: '{"error":{"message":"it broke"}}' },
      status: 502,
      code: 'upstream_error',
      message: /answered 500: it broke/
    }
  ]
  for (const c of cases) {
    it(c.what, async () => {
      answer = { headers: {}, ...c.answer }
      for (const route of Object.keys(routes) as (keyof typeof routes)[]) {
        const got = await call(route)
        expect(got.status, route).toBe(c.status)
        expect(got.error.code, route).toBe(c.code)
        expect(got.error.message, route).toMatch(c.message)
        if (c.retryAfter) expect(got.retryAfter, route).toBe(c.retryAfter)
      }
    })
  }
})

describe('a rate limit before the answer', () => {
  it("waits the upstream's Retry-After, not its own backoff, then answers (fails if the header is not read)", async () => {
    const up = await startFakeUpstream((_req, i) =>
      i === 0 ? { status: 429, error: 'slow down', retryAfter: 1 } : { content: 'hi' }
    )
    // A backoff of a minute: only the header's one second lets the test end in time.
    const served = await serve(oneNode(up.url), {
      timeouts: { maxRetries: 1, retryBaseMs: 60_000 }
    })
    try {
      const started = performance.now()
      const answer = await served.client.chat.completions.create({
        model: 'p',
        messages: [{ role: 'user', content: 'q' }]
      })
      expect(answer.choices[0]?.message.content).toBe('hi')
      expect(up.requests).toHaveLength(2)
      expect(performance.now() - started).toBeGreaterThanOrEqual(950)
    } finally {
      await served.close()
      await up.close()
    }
  }, 20_000)
})
