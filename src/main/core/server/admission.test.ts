/**
 * One admission gate for every `/v1` route: with `maxConcurrent` N, N slow requests spread
 * across chat completions, Responses, Messages, completions and embeddings fill it, and the next
 * request on any of those routes is a 429 `rate_limited`. (Each mapped route had its own
 * RouteGate and chat completions its own count: 5 × N were admitted.) Real runtime on port 0, a
 * slow upstream that holds every request until released.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ChatCompletion } from 'openai/resources/chat/completions'
import type { Completion } from 'openai/resources/completions'
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { externalModel, serve, type Served } from '../../../../tests/support/harness'

const LIMIT = 7

/** Answers as the OpenAI API documents (openai's declarations), once released. */
function answerFor(path: string): ChatCompletion | Completion | CreateEmbeddingResponse {
  if (path === '/v1/embeddings')
    return {
      object: 'list',
      model: 'm',
      data: [{ object: 'embedding', index: 0, embedding: [0.5] }],
      usage: { prompt_tokens: 1, total_tokens: 1 }
    }
  if (path === '/v1/completions')
    return {
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, text: 'done', finish_reason: 'stop', logprobs: null }]
    }
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'done', refusal: null },
        finish_reason: 'stop',
        logprobs: null
      }
    ],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
  }
}

let upstream: Server
let held: { req: IncomingMessage; res: ServerResponse }[] = []
let arrived: () => void = () => undefined
let s: Served

function release(): void {
  for (const { req, res } of held) {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answerFor(req.url ?? '')))
  }
  held = []
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      held.push({ req, res })
      arrived()
    })
  })
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`
  s = await serve(
    {
      one: {
        models: { m: externalModel(url) },
        architecture: [
          { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
          { name: 'output', adapter: 'output' }
        ]
      }
    },
    { server: { maxConcurrent: LIMIT } }
  )
})

afterAll(async () => {
  release()
  await s?.close()
  await new Promise((r) => upstream?.close(r))
})

const ROUTES: Record<string, Record<string, unknown>> = {
  'chat/completions': { messages: [{ role: 'user', content: 'q' }] },
  responses: { input: 'q' },
  messages: { max_tokens: 16, messages: [{ role: 'user', content: 'q' }] },
  completions: { prompt: 'q' },
  embeddings: { input: 'q' }
}

function post(route: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
  return fetch(`${s.url}/v1/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'one', ...ROUTES[route] }),
    signal
  }).then(async (res) => ({ status: res.status, body: await res.text() }))
}

/** A request over the limit: answered at once, or still waiting (admitted) after 3 s. */
function postOverLimit(route: string): Promise<{ status: number; body: string }> {
  return post(route, AbortSignal.timeout(3000)).catch(() => ({
    status: 0,
    body: 'admitted: still waiting on the upstream after 3 s'
  }))
}

/** Resolves once the upstream holds `n` requests. */
function upstreamHolds(n: number): Promise<void> {
  return new Promise((resolve) => {
    arrived = () => {
      if (held.length >= n) resolve()
    }
    arrived()
  })
}

describe('--max-concurrent is one limit across the /v1 routes', () => {
  it(`admits ${LIMIT} slow requests spread over the five routes, then answers 429 on each route (fails with a gate per route)`, async () => {
    const routes = Object.keys(ROUTES)
    // Every route holds at least one slot; chat and responses hold a second.
    const spread = [...routes, 'chat/completions', 'responses']
    expect(spread).toHaveLength(LIMIT)
    const slow = spread.map((r) => post(r))
    await upstreamHolds(LIMIT)
    try {
      for (const route of routes) {
        const next = await postOverLimit(route)
        expect(next.status, `${route}: ${next.body}`).toBe(429)
        // Messages answers in Anthropic's envelope (`rate_limit_error`), the others in OpenAI's.
        const error = route === 'messages' ? { type: 'rate_limit_error' } : { code: 'rate_limited' }
        expect(JSON.parse(next.body)).toMatchObject({
          error: { ...error, message: expect.stringContaining(`limit ${LIMIT}`) }
        })
      }
    } finally {
      release()
    }
    for (const [i, done] of (await Promise.all(slow)).entries())
      expect(done.status, `${spread[i]}: ${done.body}`).toBe(200)
    // Every slot was given back: the routes answer again.
    const again = routes.map((r) => post(r))
    await upstreamHolds(routes.length)
    release()
    for (const done of await Promise.all(again)) expect(done.status, done.body).toBe(200)
  }, 30_000)
})
