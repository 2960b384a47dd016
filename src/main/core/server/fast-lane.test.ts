/**
 * The fast lane (fast-lane.ts) answers `POST /v1/chat/completions` exactly as Fastify's route
 * does. Each request goes twice over real HTTP to a real runtime: once as the lane takes it
 * (`Content-Type: application/json`), once in a form it leaves to Fastify
 * (`application/json; charset=UTF-8`, which Fastify parses the same). A Fastify hook counts the
 * requests that reach Fastify, so the test also fails if the lane stops taking its requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeUpstream } from '../../../../tests/support/fake-openai'
import {
  externalModel,
  rawRequest,
  type RawResponse,
  tempDir,
  writeComposition
} from '../../../../tests/support/harness'
import { createRuntime, type Runtime } from '../../runtime'
import { AppError } from '../errors'

const LANE = 'application/json'
const FRAMEWORK = 'application/json; charset=UTF-8'
const KEY = 'lane-test-key-0123456789'
const LIMIT = 4096

let upstream: FakeUpstream
const runtimes: Runtime[] = []
const tmp = tempDir()

afterAll(async () => {
  for (const r of runtimes) await r.stop()
  await upstream.close()
  tmp.remove()
})

interface Server {
  url: string
  /** Chat requests that reached Fastify (not the lane). */
  framework: () => number
}

async function start(opts: { apiKey?: string; authorize?: boolean }): Promise<Server> {
  const runtime = createRuntime({
    env: {},
    dataDir: tmp.dir,
    server: { bodyLimitBytes: LIMIT, apiKey: opts.apiKey }
  })
  runtimes.push(runtime)
  const file = writeComposition(tmp.dir, 'lane', {
    models: { m: externalModel(upstream.url) },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  })
  const loaded = await runtime.pipelineService.loadFile(file)
  expect(loaded.ok).toBe(true)
  let framework = 0
  const listening = await runtime.listen(0, {
    extend: (app) => {
      app.addHook('onResponse', async (req) => {
        if (req.url.startsWith('/v1/chat/completions')) framework++
      })
    },
    authorize: opts.authorize
      ? (headers) =>
          headers['x-app'] === 'stranger'
            ? Promise.resolve(new AppError('invalid_api_key', 'this app is not known'))
            : undefined
      : undefined
  })
  return { url: listening.url, framework: () => framework }
}

/** An answer with what differs per request (ids, times) taken out. */
function comparable(r: RawResponse): unknown {
  const text = r.text
    .replace(/chatcmpl-[0-9a-f-]+/g, 'chatcmpl-ID')
    .replace(/"created":\d+/g, '"created":0')
  return {
    status: r.status,
    type: r.headers['content-type'],
    length: r.headers['content-type']?.startsWith('text/event-stream')
      ? undefined
      : r.headers['content-length'],
    retryAfter: r.headers['retry-after'],
    connection: r.headers.connection,
    route: r.headers['x-llmnet-route'],
    requestId: r.headers['x-request-id'] === undefined ? 'none' : 'set',
    text
  }
}

async function both(
  server: Server,
  body: string,
  headers: Record<string, string> = {}
): Promise<{ lane: unknown; framework: unknown }> {
  const send = (type: string) =>
    rawRequest(server.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': type, ...headers },
      body
    })
  const before = server.framework()
  const lane = comparable(await send(LANE))
  expect(server.framework(), 'the lane took its request').toBe(before)
  const framework = comparable(await send(FRAMEWORK))
  expect(server.framework(), 'the other form reached Fastify').toBe(before + 1)
  return { lane, framework }
}

const hello = { model: 'lane', messages: [{ role: 'user', content: 'hello' }] }

describe('the fast lane answers as Fastify does (fails if an answer differs or the lane is skipped)', () => {
  let open: Server
  let keyed: Server
  let gated: Server

  beforeAll(async () => {
    upstream = await startFakeUpstream()
    open = await start({})
    keyed = await start({ apiKey: KEY })
    gated = await start({ authorize: true })
  })

  const json = (body: unknown): string => JSON.stringify(body)
  const cases: [string, string][] = [
    ['a whole answer', json(hello)],
    [
      'a streamed answer with usage',
      json({ ...hello, stream: true, stream_options: { include_usage: true } })
    ],
    ['a __proto__ key (removed, then answered)', `{"__proto__":{"x":1},${json(hello).slice(1)}`],
    ['a body that breaks the schema', json({ model: 'lane', messages: 'hello' })],
    ['an unknown model', json({ ...hello, model: 'nobody' })],
    [
      'a body nested too deep',
      `{"model":"lane","messages":[],"metadata":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`
    ]
  ]
  for (const [name, text] of cases) {
    it(name, async () => {
      const { lane, framework } = await both(open, text)
      expect(lane).toEqual(framework)
    })
  }

  it('bodies Fastify refuses: bad JSON, empty, too large', async () => {
    for (const text of ['{"model":', '', JSON.stringify({ ...hello, pad: 'x'.repeat(LIMIT) })]) {
      const { lane, framework } = await both(open, text)
      expect(lane).toEqual(framework)
      expect((lane as { status: number }).status).toBeGreaterThanOrEqual(400)
    }
  })

  it('a foreign Host, a missing or wrong key, an app the authorizer refuses', async () => {
    const body = JSON.stringify(hello)
    const checks = [
      await both(open, body, { host: 'evil.example' }),
      await both(keyed, body),
      await both(keyed, body, { authorization: 'Bearer wrong' }),
      await both(keyed, body, { authorization: `Bearer ${KEY}` }),
      await both(gated, body, { 'x-app': 'stranger' }),
      await both(gated, body, { 'x-app': 'friend' })
    ]
    const statuses = checks.map((c) => (c.lane as { status: number }).status)
    expect(statuses).toEqual([403, 401, 401, 200, 401, 200])
    for (const c of checks) expect(c.lane).toEqual(c.framework)
  })
})
