/**
 * Fuzzing the HTTP API: arbitrary JSON bodies, damaged chat bodies, arbitrary methods, paths and
 * headers (through `inject()`, fast), and malformed HTTP over a real socket. Every answer is a
 * 2xx or a 4xx in OpenAI's error envelope: never a 5xx, a crash or a hang.
 */
import fc from 'fast-check'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FUZZ_TEST_TIMEOUT, fuzzParams } from './fuzz-options'
import {
  checkAnswer,
  type FuzzServer,
  parseFirstResponse,
  PIPELINE,
  rawExchange,
  startFuzzServer,
  VALID_CHAT
} from './http-support'
import { buriedDeep, mutatedText, mutatedValue } from './mutate'

let server: FuzzServer
beforeAll(async () => {
  server = await startFuzzServer()
})
afterAll(() => server?.close())

/**
 * Sends a chat body twice: over a real socket, where the server's fast lane takes an ordinary JSON
 * request (src/main/core/server/fast-lane.ts), and through `inject()`, which reaches Fastify's
 * route. Both answers must pass the check, and say the same: status, error code and message.
 */
async function postChat(body: string, headers: Record<string, string> = {}): Promise<void> {
  const sent = { 'content-type': 'application/json', ...headers }
  const [socket, injected] = await Promise.all([
    request(`http://127.0.0.1:${server.port}/v1/chat/completions`, {
      method: 'POST',
      headers: sent,
      body
    }).then(async (res) => ({
      status: res.statusCode,
      headers: res.headers,
      body: await res.body.text()
    })),
    server.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: sent, payload: body })
  ])
  const shown = body.slice(0, 200)
  checkAnswer(socket, 'POST', shown)
  checkAnswer(
    { status: injected.statusCode, headers: injected.headers, body: injected.body },
    'POST',
    shown
  )
  expect(socket.status, shown).toBe(injected.statusCode)
  if (socket.status >= 400) expect(socket.body, shown).toBe(injected.body)
}

/** Still serving: a valid request after the fuzzing gets its answer. */
async function expectAlive(): Promise<void> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { model: PIPELINE, messages: [{ role: 'user', content: 'still there?' }] }
  })
  expect(res.statusCode).toBe(200)
  expect(res.json().choices[0].message.content).toBe('ok')
}

const HEADER_NAMES = [
  'content-type',
  'accept',
  'authorization',
  'origin',
  'x-request-id',
  'user-agent',
  'accept-encoding',
  'x-forwarded-for',
  'cookie',
  'x-llmnet-anything'
]
const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-16',
    'text/plain',
    'multipart/form-data; boundary=x',
    'null',
    'http://evil.example',
    'Bearer ',
    '*/*'
  )
)
const headers = fc.dictionary(fc.constantFrom(...HEADER_NAMES), headerValue, { maxKeys: 4 })

describe('fuzz: HTTP API', { timeout: FUZZ_TEST_TIMEOUT }, () => {
  it('a valid chat body gets 200 (the seed of the mutations)', async () => {
    await postChat(JSON.stringify(VALID_CHAT))
    await postChat(JSON.stringify({ ...VALID_CHAT, stream: true }))
    await expectAlive()
  })

  it('arbitrary JSON bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), async (body) => {
        await postChat(JSON.stringify(body))
      }),
      fuzzParams(300)
    )
    await expectAlive()
  })

  it('chat bodies damaged as values: types swapped, keys deleted or added (__proto__), huge numbers', async () => {
    const damaged = fc
      .tuple(mutatedValue(VALID_CHAT), fc.boolean())
      .map(([body, stream]) => JSON.stringify({ ...(body as object), stream }))
    await fc.assert(
      fc.asyncProperty(damaged, async (body) => {
        await postChat(body)
      }),
      fuzzParams(300)
    )
    await expectAlive()
  })

  it('chat bodies with a value nested up to 5,000 levels deep get a 4xx, not a 500', async () => {
    const damaged = buriedDeep(VALID_CHAT, 5_000)
    await fc.assert(
      fc.asyncProperty(damaged, async (body) => {
        await postChat(body)
      }),
      fuzzParams(60)
    )
    await expectAlive()
  })

  it('chat bodies damaged as text', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedText(JSON.stringify(VALID_CHAT)), async (body) => {
        await postChat(body)
      }),
      fuzzParams(300)
    )
    await expectAlive()
  })

  it('arbitrary methods, paths and headers', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD')
    const segment = fc.oneof(
      fc.constantFrom('v1', 'chat', 'completions', 'models', PIPELINE, 'health', 'status'),
      fc.constantFrom('metrics', '%zz', '%00', '%2e%2e', '..', '', '?x=1', '#f', ';a', '%'),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
      fc.webSegment()
    )
    const path = fc.array(segment, { maxLength: 5 }).map((s) => `/${s.join('/')}`)
    const body = fc.option(
      fc.oneof(
        fc.constant(JSON.stringify(VALID_CHAT)),
        fc.jsonValue().map((v) => JSON.stringify(v))
      ),
      { nil: undefined }
    )
    await fc.assert(
      fc.asyncProperty(method, path, headers, body, async (m, url, hdrs, payload) => {
        const res = await server.app.inject({
          method: m as 'GET',
          url,
          headers: hdrs,
          ...(payload !== undefined && m !== 'GET' && m !== 'HEAD' ? { payload } : {})
        })
        checkAnswer(
          { status: res.statusCode, headers: res.headers, body: res.body },
          m,
          `${m} ${url} ${JSON.stringify(hdrs)}`
        )
      }),
      fuzzParams(400)
    )
    await expectAlive()
  })
})

const CRLF = '\r\n'
const requestLine = fc.tuple(
  fc.oneof(
    fc.constantFrom('GET', 'POST', 'PUT', 'OPTIONS', 'HEAD', 'BREW', 'get', 'G ET', ''),
    fc.stringMatching(/^[A-Z]{1,8}$/)
  ),
  fc.oneof(
    fc.constantFrom('/v1/chat/completions', '/v1/models', '/health', '/v1/%zz', '/%', '*'),
    fc.constantFrom('http://127.0.0.1/v1/models', '//x', '/v1/models?%zz', '/a b', ''),
    fc.string({ unit: 'binary-ascii', maxLength: 30 }).map((s) => `/${s.replace(/[\r\n ]/g, '')}`)
  ),
  fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1', 'http/1.1', '')
)
const rawHeader = fc.oneof(
  fc.constantFrom(
    'Host: 127.0.0.1',
    'Host: localhost',
    'Host: 127.0.0.1',
    'Host: evil.example',
    'Host:',
    'Content-Type: application/json',
    'Content-Length: 0',
    'Content-Length: 5',
    'Content-Length: -1',
    'Content-Length: 99999999999999999999',
    'Content-Length: 2, 3',
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: gzip, chunked',
    'Connection: close',
    'Connection: upgrade',
    'Upgrade: websocket',
    'Expect: 100-continue',
    ' folded: continuation',
    'NoColon',
    ': empty-name',
    'X-Null: a\u0000b',
    'X-Long: ' + 'a'.repeat(20_000)
  ),
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z-]{1,12}$/),
      fc.string({ unit: 'binary-ascii', maxLength: 30 })
    )
    .map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}`)
)
const rawBody = fc.oneof(
  fc.constant(''),
  fc.constant(JSON.stringify(VALID_CHAT)),
  fc.constant('5\r\nhello\r\n0\r\n\r\n'),
  fc.constant('zz\r\nbad chunk\r\n'),
  fc.string({ unit: 'binary', maxLength: 60 })
)
const rawRequest = fc
  .tuple(requestLine, fc.array(rawHeader, { maxLength: 6 }), rawBody, fc.boolean())
  .map(([[method, target, version], hdrs, body, crlf]) => {
    const eol = crlf ? CRLF : '\n'
    return `${method} ${target} ${version}${eol}${hdrs.join(eol)}${eol}${eol}${body}`
  })

describe('fuzz: raw HTTP over a socket', { timeout: FUZZ_TEST_TIMEOUT }, () => {
  it('malformed requests get a 2xx or an enveloped 4xx, never a 5xx, a silent close or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(rawRequest, async (request) => {
        const raw = await rawExchange(server.port, request)
        const answer = parseFirstResponse(raw)
        const label = JSON.stringify(request.slice(0, 200))
        expect(
          answer,
          `${label} → ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`
        ).toBeDefined()
        if (answer) checkAnswer(answer, request.split(' ')[0], label)
      }),
      fuzzParams(150)
    )
    await expectAlive()
  })
})
