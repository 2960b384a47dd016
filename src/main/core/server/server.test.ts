/**
 * The HTTP server as a client sees it: the official `openai` client and raw HTTP against a real
 * runtime on port 0, with fake upstreams. Checks the OpenAI wire format (JSON and SSE), the
 * models list, metrics, every error status, the localhost guards, and cancellation.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { Agent, fetch as undiciFetch } from 'undici'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  defaultResponder,
  type FakeUpstream,
  type RecordedRequest,
  startFakeUpstream
} from '../../../../tests/support/fake-openai'
import {
  externalModel,
  type Json,
  openaiClient,
  rawRequest,
  serve,
  type Served,
  sseData
} from '../../../../tests/support/harness'
import type { RuntimeOptions } from '../../runtime'
import type { Trace } from '../engine/trace'

const OUTPUT = { name: 'output', adapter: 'output' }

function proxy(url: string, override: string, node: Json = {}): Json {
  return {
    models: { m: externalModel(url) },
    architecture: [
      {
        name: 'bot',
        layer: 0,
        model: 'm',
        adapter: 'openai-api',
        'output-to': ['output'],
        'extra-options': { model_override: override },
        ...node
      },
      OUTPUT
    ]
  }
}

const userMessage = (content: string) => [{ role: 'user' as const, content }]

/** POST /v1/chat/completions with fetch; returns the raw response. */
function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
}

interface Chunk {
  id: string
  object: string
  model: string
  choices: {
    index: number
    delta: { role?: string; content?: string }
    finish_reason: string | null
  }[]
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer()
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as AddressInfo
  s.close()
  await once(s, 'close')
  return port
}

/** Starts a dedicated runtime for one test and closes it afterwards. */
async function withServer<T>(
  compositions: Record<string, Json>,
  opts: RuntimeOptions,
  fn: (s: Served) => Promise<T>
): Promise<T> {
  const s = await serve(compositions, opts)
  try {
    return await fn(s)
  } finally {
    await s.close()
  }
}

describe('server', () => {
  let up: FakeUpstream
  let bad: FakeUpstream
  let srv: Served
  let traces: Trace[]

  beforeAll(async () => {
    up = await startFakeUpstream()
    bad = await startFakeUpstream()
    const refused = await closedPort()
    srv = await serve(
      {
        alpha: proxy(up.url, 'alpha-llm'),
        beta: proxy(up.url, 'beta-llm'),
        flaky: proxy(bad.url, 'flaky-llm'),
        refused: proxy(`http://127.0.0.1:${refused}`, 'nobody'),
        'no-model': {
          models: {},
          architecture: [
            { name: 'bot', layer: 0, adapter: 'openai-api', 'output-to': ['output'] },
            OUTPUT
          ]
        },
        router: {
          models: { m: externalModel(up.url) },
          architecture: [
            { name: 'router', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': [1] },
            { name: 'a', layer: 1, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
            { name: 'b', layer: 1, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
            OUTPUT
          ]
        }
      },
      // default maxRetries (2); a short backoff keeps the retry tests fast
      { timeouts: { retryBaseMs: 1 } }
    )
    srv.runtime.events.on('trace', (t) => traces.push(t))
  })

  afterAll(async () => {
    await srv?.close()
    await up?.close()
    await bad?.close()
  })

  beforeEach(() => {
    up.requests.length = 0
    bad.requests.length = 0
    up.setResponder(defaultResponder)
    traces = []
  })

  describe('OpenAI format', () => {
    it('a non-streaming answer is a complete chat.completion (fails if fields the SDK relies on are missing)', async () => {
      const res = await srv.client.chat.completions.create({
        model: 'alpha',
        messages: userMessage('hello')
      })
      expect(res).toMatchObject({
        object: 'chat.completion',
        model: 'alpha',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'alpha-llm says: hello' },
            finish_reason: 'stop'
          }
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }
      })
      expect(res.id).toMatch(/^chatcmpl-/)
      expect(typeof res.created).toBe('number')
    })

    it('the raw SSE stream is role chunk, content deltas, finish chunk, usage chunk, [DONE] (fails on any deviation from OpenAI streaming)', async () => {
      up.setResponder(() => ({ content: 'one two three', chunks: ['one ', 'two ', 'three'] }))
      const res = await post(srv.url, {
        model: 'alpha',
        messages: userMessage('count'),
        stream: true,
        stream_options: { include_usage: true }
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
      const text = await res.text()
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
      const data = sseData(text)
      expect(data.at(-1)).toBe('[DONE]')
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk)
      for (const c of chunks) {
        expect(c.object).toBe('chat.completion.chunk')
        expect(c.id).toBe(chunks[0]?.id)
        expect(c.model).toBe('alpha')
      }
      const [first, ...rest] = chunks
      expect(first?.choices[0]?.delta.role).toBe('assistant')
      expect(first?.choices[0]?.finish_reason).toBeNull()
      const usage = rest.at(-1)
      const finish = rest.at(-2)
      const contents = rest.slice(0, -2)
      expect(contents.map((c) => c.choices[0]?.delta.content)).toEqual(['one ', 'two ', 'three'])
      expect(contents.every((c) => c.choices[0]?.finish_reason === null)).toBe(true)
      expect(finish?.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }])
      expect(usage?.choices).toEqual([])
      expect(usage?.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })
    })

    it('without stream_options.include_usage no usage chunk is sent (fails if clients that did not ask get an empty-choices chunk)', async () => {
      const res = await post(srv.url, { model: 'alpha', messages: userMessage('hi'), stream: true })
      const data = sseData(await res.text())
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk)
      expect(chunks.every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true)
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop')
    })

    it('the openai client streams the answer and the usage (fails if the SDK cannot consume our SSE)', async () => {
      const stream = await srv.client.chat.completions.create({
        model: 'beta',
        messages: userMessage('stream me please'),
        stream: true,
        stream_options: { include_usage: true }
      })
      let text = ''
      let role: string | undefined
      let finish: string | null = null
      let usage: unknown
      for await (const chunk of stream) {
        role ??= chunk.choices[0]?.delta.role
        text += chunk.choices[0]?.delta.content ?? ''
        finish = chunk.choices[0]?.finish_reason ?? finish
        if (chunk.usage) usage = chunk.usage
      }
      expect(role).toBe('assistant')
      expect(text).toBe('beta-llm says: stream me please')
      expect(finish).toBe('stop')
      expect(usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })
      expect(up.requests[0]?.body.stream).toBe(true)
    })
  })

  describe('models and pipeline selection', () => {
    it('GET /v1/models lists every pipeline id plus llmnet (fails if a pipeline or the alias is missing)', async () => {
      const ids: string[] = []
      for await (const m of srv.client.models.list()) ids.push(m.id)
      // Pipelines first; then each pipeline's models as PIPELINE/MODEL (direct addressing).
      const pipelines = ids.filter((id) => !id.includes('/'))
      expect(pipelines).toEqual([
        'alpha',
        'beta',
        'flaky',
        'refused',
        'no-model',
        'router',
        'llmnet'
      ])
      expect(ids.slice(pipelines.length).every((id) => id.includes('/'))).toBe(true)
      const one = await srv.client.models.retrieve('beta')
      expect(one).toMatchObject({ id: 'beta', object: 'model', owned_by: 'llmnet' })
    })

    it('the request model picks the pipeline and llmnet picks the first loaded one (fails if requests go to the wrong pipeline)', async () => {
      await srv.client.chat.completions.create({ model: 'beta', messages: userMessage('b') })
      await srv.client.chat.completions.create({
        model: 'llmnet',
        messages: userMessage('default')
      })
      await srv.client.chat.completions.create({ model: 'alpha', messages: userMessage('a') })
      expect(up.requests.map((r) => r.body.model)).toEqual(['beta-llm', 'alpha-llm', 'alpha-llm'])
    })

    it('an unknown model is 404 model_not_found and the SDK throws NotFoundError (fails if it falls back to a pipeline)', async () => {
      const err = await srv.client.chat.completions
        .create({ model: 'gpt-4o', messages: userMessage('x') })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(OpenAI.NotFoundError)
      expect(err).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' })
      expect(up.requests).toHaveLength(0)
      await expect(srv.client.models.retrieve('gpt-4o')).rejects.toBeInstanceOf(
        OpenAI.NotFoundError
      )
    })
  })

  describe('health and metrics', () => {
    it('GET /health is 200 (fails if the liveness probe breaks)', async () => {
      const res = await fetch(`${srv.url}/health`)
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ status: 'ok', pipelines: 6 })
    })

    it('GET /metrics is Prometheus text with request counts and latency buckets per pipeline (fails if requests are not measured)', async () => {
      await srv.client.chat.completions.create({
        model: 'beta',
        messages: userMessage('measure me')
      })
      const res = await fetch(`${srv.url}/metrics`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
      const text = await res.text()
      expect(text).toContain('# TYPE llmnet_requests_total counter')
      expect(text).toMatch(/^llmnet_requests_total\{pipeline="beta",status="ok"\} [1-9]\d*$/m)
      expect(text).toContain('# TYPE llmnet_request_duration_seconds histogram')
      expect(text).toMatch(
        /^llmnet_request_duration_seconds_bucket\{pipeline="beta",le="\+Inf"\} [1-9]\d*$/m
      )
      expect(text).toMatch(
        /^llmnet_request_duration_seconds_bucket\{pipeline="beta",le="0\.005"\} \d+$/m
      )
    })
  })

  describe('errors: OpenAI envelope and real status codes', () => {
    const envelope = (code: string) => ({
      error: { message: expect.any(String), type: expect.any(String), code }
    })

    it('400 for an invalid body, with param naming the field (fails if validation errors are vague or 500)', async () => {
      const missing = await post(srv.url, { model: 'alpha' })
      expect(missing.status).toBe(400)
      expect(await missing.json()).toMatchObject({
        error: { type: 'invalid_request_error', code: 'invalid_request', param: 'messages' }
      })

      const err = await srv.client.chat.completions
        .create({ model: 'alpha', messages: userMessage('x'), temperature: 7 })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(OpenAI.BadRequestError)
      expect(err).toMatchObject({ status: 400, param: 'temperature', code: 'invalid_request' })

      const broken = await post(srv.url, '{"model": "alpha", "messages": [')
      expect(broken.status).toBe(400)
      expect(await broken.json()).toMatchObject(envelope('invalid_request'))
      expect(up.requests).toHaveLength(0)
    })

    it('415 for a text/plain body (fails if cross-site form posts are accepted)', async () => {
      const res = await fetch(`${srv.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ model: 'alpha', messages: userMessage('x') })
      })
      expect(res.status).toBe(415)
      expect(await res.json()).toMatchObject(envelope('unsupported_media_type'))
      expect(up.requests).toHaveLength(0)
    })

    it('422 no_route when the router names no candidate (fails if a routing failure looks like success)', async () => {
      up.setResponder(() => ({ content: 'no idea' }))
      const res = await post(srv.url, { model: 'router', messages: userMessage('x') })
      expect(res.status).toBe(422)
      expect(await res.json()).toMatchObject({
        error: { type: 'invalid_request_error', code: 'no_route', param: null }
      })
    })

    it('429 from the upstream is retried, then reported as 429 (fails if rate limits become 502 or are not retried)', async () => {
      bad.setResponder(() => ({ status: 429, error: 'slow down', retryAfter: 0 }))
      const err = await srv.client.chat.completions
        .create({ model: 'flaky', messages: userMessage('x') })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(OpenAI.RateLimitError)
      expect(err).toMatchObject({ status: 429, code: 'rate_limited' })
      expect(bad.requests).toHaveLength(3)
    })

    it('502 for an upstream 500 after maxRetries 2, i.e. 3 attempts (fails if 5xx is not retried or becomes 200/500)', async () => {
      bad.setResponder(() => ({ status: 500, error: 'kaboom' }))
      const err = await srv.client.chat.completions
        .create({ model: 'flaky', messages: userMessage('x') })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(OpenAI.APIError)
      expect(err).toMatchObject({ status: 502, code: 'upstream_error', type: 'upstream_error' })
      expect((err as Error).message).toContain('kaboom')
      expect(bad.requests).toHaveLength(3)
      expect(traces[0]).toMatchObject({ status: 'error', error: { code: 'upstream_error' } })
    })

    it('a streaming request whose upstream fails before any byte gets a real 502, not 200 with an SSE error (fails if errors hide in a 200)', async () => {
      bad.setResponder(() => ({ status: 500 }))
      const res = await post(srv.url, { model: 'flaky', messages: userMessage('x'), stream: true })
      expect(res.status).toBe(502)
      expect(res.headers.get('content-type')).toMatch(/application\/json/)
      expect(await res.json()).toMatchObject(envelope('upstream_error'))
    })

    it('502 when the upstream refuses connections (fails if connect errors crash or hang)', async () => {
      const err = await srv.client.chat.completions
        .create({ model: 'refused', messages: userMessage('x') })
        .catch((e: unknown) => e)
      expect(err).toMatchObject({ status: 502, code: 'upstream_error' })
      expect((err as Error).message).toMatch(/ECONNREFUSED|cannot reach/)
    })

    it('503 model_not_ready for a node without a model (fails if it is 500 or 200)', async () => {
      const err = await srv.client.chat.completions
        .create({ model: 'no-model', messages: userMessage('x') })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(OpenAI.InternalServerError)
      expect(err).toMatchObject({ status: 503, code: 'model_not_ready' })
    })

    it('401 without or with a wrong API key, 200 with the right one, /health open (fails if the key is not enforced)', async () => {
      await withServer(
        { alpha: proxy(up.url, 'alpha-llm') },
        { server: { apiKey: 'sekrit' } },
        async (s) => {
          const none = await post(s.url, { model: 'alpha', messages: userMessage('x') })
          expect(none.status).toBe(401)
          expect(await none.json()).toMatchObject({
            error: { type: 'authentication_error', code: 'invalid_api_key' }
          })
          expect((await fetch(`${s.url}/v1/models`)).status).toBe(401)

          const wrong = await openaiClient(s.url, 'nope')
            .chat.completions.create({ model: 'alpha', messages: userMessage('x') })
            .catch((e: unknown) => e)
          expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError)
          expect(wrong).toMatchObject({ status: 401, code: 'invalid_api_key' })

          const right = await openaiClient(s.url, 'sekrit').chat.completions.create({
            model: 'alpha',
            messages: userMessage('x')
          })
          expect(right.choices[0]?.message.content).toBe('alpha-llm says: x')
          expect((await fetch(`${s.url}/health`)).status).toBe(200)
          expect(up.requests).toHaveLength(1)
        }
      )
    })

    it('413 for a body above bodyLimitBytes (fails if huge bodies are buffered)', async () => {
      await withServer(
        { alpha: proxy(up.url, 'alpha-llm') },
        { server: { bodyLimitBytes: 1024 } },
        async (s) => {
          const err = await s.client.chat.completions
            .create({ model: 'alpha', messages: userMessage('x'.repeat(4000)) })
            .catch((e: unknown) => e)
          expect(err).toBeInstanceOf(OpenAI.APIError)
          expect(err).toMatchObject({ status: 413, code: 'request_too_large' })
          // a small body still works
          await expect(
            s.client.chat.completions.create({ model: 'alpha', messages: userMessage('ok') })
          ).resolves.toBeTruthy()
        }
      )
    })

    it('429 when maxConcurrent requests are already in flight (fails if the limit is not enforced or leaks)', async () => {
      let release!: () => void
      const gate = new Promise<void>((r) => (release = r))
      const held = await startFakeUpstream(async (req, i) => {
        await gate
        return defaultResponder(req, i)
      })
      try {
        await withServer(
          { alpha: proxy(held.url, 'alpha-llm') },
          { server: { maxConcurrent: 1 } },
          async (s) => {
            const started = once(held.events, 'request')
            const first = s.client.chat.completions.create({
              model: 'alpha',
              messages: userMessage('first')
            })
            await started
            const second = await s.client.chat.completions
              .create({ model: 'alpha', messages: userMessage('second') })
              .catch((e: unknown) => e)
            expect(second).toBeInstanceOf(OpenAI.RateLimitError)
            expect(second).toMatchObject({ status: 429, code: 'rate_limited' })
            release()
            expect((await first).choices[0]?.message.content).toBe('alpha-llm says: first')
            // the slot is free again
            const third = await s.client.chat.completions.create({
              model: 'alpha',
              messages: userMessage('third')
            })
            expect(third.choices[0]?.message.content).toBe('alpha-llm says: third')
            expect(held.requests.map((r) => r.body.messages[0].content)).toEqual(['first', 'third'])
          }
        )
      } finally {
        release()
        await held.close()
      }
    })

    it('504 when the upstream sends nothing within readTimeoutMs (fails if a hung backend hangs the client)', async () => {
      const hung = await startFakeUpstream(() => ({ hang: true }))
      try {
        await withServer(
          { alpha: proxy(hung.url, 'alpha-llm') },
          { timeouts: { readTimeoutMs: 300, maxRetries: 0 } },
          async (s) => {
            const err = await s.client.chat.completions
              .create({ model: 'alpha', messages: userMessage('x') })
              .catch((e: unknown) => e)
            expect(err).toMatchObject({
              status: 504,
              code: 'upstream_timeout',
              type: 'timeout_error'
            })
            expect(hung.requests).toHaveLength(1)
          }
        )
      } finally {
        await hung.close()
      }
    })
  })

  describe('streaming failures and cancellation', () => {
    it('an upstream that dies mid-stream yields an SSE error event then [DONE], with no retry after bytes were sent (fails if the stream is cut silently or replayed)', async () => {
      up.setResponder(() => ({ content: 'one two three four five', dropAfterChunks: 2 }))
      const res = await post(srv.url, { model: 'alpha', messages: userMessage('x'), stream: true })
      expect(res.status).toBe(200)
      const data = sseData(await res.text())
      expect(data.at(-1)).toBe('[DONE]')
      const events = data
        .slice(0, -1)
        .map((d) => JSON.parse(d) as Chunk & { error?: { code: string; message: string } })
      const error = events.at(-1)
      expect(error?.error).toMatchObject({ code: 'upstream_error', type: 'upstream_error' })
      const text = events
        .slice(0, -1)
        .map((c) => c.choices[0]?.delta.content ?? '')
        .join('')
      expect(text).toBe('one two ')
      expect(events.some((c) => c.choices?.[0]?.finish_reason)).toBe(false)
      expect(up.requests).toHaveLength(1)
      expect(traces[0]).toMatchObject({ status: 'error', stream: true })
    })

    it('the openai client sees a mid-stream failure as an error, not a short answer (fails if truncation looks like success)', async () => {
      up.setResponder(() => ({ content: 'one two three four five', dropAfterChunks: 1 }))
      const stream = await srv.client.chat.completions.create({
        model: 'alpha',
        messages: userMessage('x'),
        stream: true
      })
      const consume = async (): Promise<string> => {
        let text = ''
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
        return text
      }
      await expect(consume()).rejects.toBeInstanceOf(OpenAI.APIError)
    })

    it('a client that disconnects mid-stream cancels the upstream request (fails if abandoned requests keep the model busy)', async () => {
      const words = Array.from({ length: 25 }, (_, i) => `w${i} `)
      up.setResponder(() => ({ chunks: words, chunkDelayMs: 200 }))
      const aborted = once(up.events, 'aborted') as Promise<[RecordedRequest]>
      const trace = new Promise<Trace>((resolve) => {
        const off = srv.runtime.events.on('trace', (t) => {
          off()
          resolve(t)
        })
      })
      // undici's own fetch with a private pool: after an abort undici opens a spare connection
      // that would hold the server's close() until its keep-alive timeout; we destroy the pool.
      const agent = new Agent()
      try {
        const controller = new AbortController()
        const res = await undiciFetch(`${srv.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'alpha', messages: userMessage('x'), stream: true }),
          signal: controller.signal,
          dispatcher: agent
        })
        expect(res.status).toBe(200)
        const reader = (res.body as ReadableStream<Uint8Array>).getReader()
        const decoder = new TextDecoder()
        let seen = ''
        while (!seen.includes('w0 ')) {
          const { value, done } = await reader.read()
          if (done) throw new Error('stream ended early')
          seen += decoder.decode(value, { stream: true })
        }
        controller.abort()
        const [rec] = await aborted
        expect(rec.aborted).toBe(true)
        expect(up.requests).toHaveLength(1)
        expect((await trace).status).toBe('error')
      } finally {
        await agent.destroy()
      }
    })
  })

  describe('localhost guards', () => {
    const body = JSON.stringify({ model: 'alpha', messages: userMessage('x') })

    it('a Host header that is not allowlisted is 403 (fails on DNS rebinding)', async () => {
      const res = await rawRequest(srv.url, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { host: 'evil.example', 'content-type': 'application/json' },
        body
      })
      expect(res.status).toBe(403)
      expect(res.json()).toMatchObject({ error: { code: 'forbidden_host' } })
      const models = await rawRequest(srv.url, {
        path: '/v1/models',
        headers: { host: 'evil.example:8080' }
      })
      expect(models.status).toBe(403)
      const local = await rawRequest(srv.url, {
        path: '/v1/models',
        headers: { host: `localhost:${new URL(srv.url).port}` }
      })
      expect(local.status).toBe(200)
      expect(up.requests).toHaveLength(0)
    })

    it('no CORS headers by default, and a foreign Origin is 403 (fails if any web page can call the local API)', async () => {
      const plain = await rawRequest(srv.url, { path: '/v1/models' })
      expect(plain.status).toBe(200)
      expect(plain.headers['access-control-allow-origin']).toBeUndefined()
      const evil = await rawRequest(srv.url, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
        body
      })
      expect(evil.status).toBe(403)
      expect(evil.headers['access-control-allow-origin']).toBeUndefined()
      expect(evil.json()).toMatchObject({ error: { code: 'forbidden_host' } })
      const preflight = await rawRequest(srv.url, {
        method: 'OPTIONS',
        path: '/v1/chat/completions',
        headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' }
      })
      expect(preflight.status).toBe(403)
      expect(up.requests).toHaveLength(0)
    })

    it('a configured CORS origin gets access-control-allow-origin, on JSON and on streams, and its preflight is 204 (fails if allowed browsers are blocked)', async () => {
      await withServer(
        { alpha: proxy(up.url, 'alpha-llm') },
        { server: { corsOrigins: ['http://app.example'], apiKey: 'k' } },
        async (s) => {
          const origin = { origin: 'http://app.example' }
          const preflight = await rawRequest(s.url, {
            method: 'OPTIONS',
            path: '/v1/chat/completions',
            headers: {
              ...origin,
              'access-control-request-method': 'POST',
              'access-control-request-headers': 'authorization, content-type'
            }
          })
          expect(preflight.status).toBe(204)
          expect(preflight.headers['access-control-allow-origin']).toBe('http://app.example')
          expect(preflight.headers['access-control-allow-methods']).toContain('POST')
          expect(preflight.headers['access-control-allow-headers']).toContain('authorization')

          const auth = { authorization: 'Bearer k', 'content-type': 'application/json' }
          const json = await rawRequest(s.url, {
            method: 'POST',
            path: '/v1/chat/completions',
            headers: { ...origin, ...auth },
            body
          })
          expect(json.status).toBe(200)
          expect(json.headers['access-control-allow-origin']).toBe('http://app.example')

          const streamBody = JSON.stringify({
            model: 'alpha',
            messages: userMessage('x'),
            stream: true
          })
          const stream = await rawRequest(s.url, {
            method: 'POST',
            path: '/v1/chat/completions',
            headers: { ...origin, ...auth },
            body: streamBody
          })
          expect(stream.status).toBe(200)
          expect(stream.headers['access-control-allow-origin']).toBe('http://app.example')

          const evil = await rawRequest(s.url, {
            path: '/v1/models',
            headers: { origin: 'http://evil.example', authorization: 'Bearer k' }
          })
          expect(evil.status).toBe(403)
        }
      )
    })
  })
})
