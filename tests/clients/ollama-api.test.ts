/**
 * The official `ollama` npm client against llmnet's Ollama API (the host:port of `/v1`): chat,
 * streamed chat, generate, embed, list, show, ps, version, errors and a tool round trip, on an
 * in-process runtime over the 1-0-1, router and multi-layer pipelines, then against a real
 * `llmnet run --port 0` and a real `llmnet serve` (where `/api` is also the guarded control API).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Ollama } from 'ollama'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createAppRuntime } from '../../src/main/runtime'
import { killAll, llmnet, runServer } from '../support/cli-process'
import { fakeEmbedding, type FakeUpstream } from '../support/fake-openai'
import { isRouterCall, rawRequest, type Served, tempDir } from '../support/harness'
import { ANSWERER, PIPELINES } from './compositions'
import { serveClients } from './serve-clients'
import { toolResponder, WEATHER_CALL } from './tool-responder'

const suite = serveClients({ responder: toolResponder })
let up: FakeUpstream
let served: Served
let ollama: Ollama

beforeAll(() => {
  ;({ up, served } = suite)
  ollama = new Ollama({ host: served.url })
})
afterEach(killAll)

describe.each(PIPELINES)('the ollama client on pipeline %s', (pipeline) => {
  const says = `${ANSWERER[pipeline]} says:`

  it('chat answers whole with stream: false; options reach the answering node, load settings do not', async () => {
    const r = await ollama.chat({
      model: pipeline,
      stream: false,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello' }
      ],
      options: { temperature: 0.2, num_predict: 40, seed: 7, num_ctx: 4096, mirostat: 1 },
      keep_alive: '5m'
    })
    expect(r.message).toMatchObject({ role: 'assistant', content: `${says} hello` })
    expect(r.done).toBe(true)
    expect(r.done_reason).toBe('stop')
    expect(r.model).toBe(pipeline)
    expect(r.total_duration).toBeGreaterThan(0)
    const answer = up.requests.filter((q) => !isRouterCall(q)).at(-1)
    expect(answer?.body).toMatchObject({ temperature: 0.2, max_tokens: 40, seed: 7 })
    // Load settings are the composition's; an option without an equivalent travels as `options`.
    expect(answer?.body.options).toEqual({ mirostat: 1 })
    expect(answer?.body).not.toHaveProperty('keep_alive')
    expect(JSON.stringify(answer?.body.messages)).toContain('Be brief.')
  })

  it('chat streams NDJSON pieces ending in done (stream defaults to true on the wire)', async () => {
    const stream = await ollama.chat({
      model: pipeline,
      stream: true,
      messages: [{ role: 'user', content: 'stream please' }]
    })
    let text = ''
    let last: { done: boolean; done_reason?: string } | undefined
    for await (const part of stream) {
      text += part.message.content
      last = part
    }
    expect(text).toBe(`${says} stream please`)
    expect(last).toMatchObject({ done: true, done_reason: 'stop' })
    // A raw request without `stream` streams, as Ollama does.
    const raw = await rawRequest(served.url, {
      path: '/api/chat',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: pipeline, messages: [{ role: 'user', content: 'x' }] })
    })
    expect(raw.headers['content-type']).toContain('application/x-ndjson')
    const lines = raw.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { done: boolean })
    expect(lines.at(-1)?.done).toBe(true)
    expect(lines.length).toBeGreaterThan(1)
  })

  it('generate answers a prompt with its system text, whole and streamed', async () => {
    const whole = await ollama.generate({
      model: pipeline,
      prompt: 'tell me',
      system: 'Sys text',
      stream: false
    })
    expect(whole.response).toBe(`${says} tell me`)
    expect(whole.done).toBe(true)
    const answer = up.requests.filter((q) => !isRouterCall(q)).at(-1)
    expect(JSON.stringify(answer?.body.messages)).toContain('Sys text')
    let text = ''
    for await (const part of await ollama.generate({
      model: pipeline,
      prompt: 'again',
      stream: true
    }))
      text += part.response
    expect(text).toBe(`${says} again`)
  })
})

describe('the ollama client: models, embeddings, tools and errors', () => {
  it('list names every pipeline, the default `llmnet` and PIPELINE/MODEL ids', async () => {
    const { models } = await ollama.list()
    const names = models.map((m) => m.name)
    expect(names).toEqual(expect.arrayContaining([...PIPELINES, 'llmnet', 'basic/embedder']))
    expect(models[0]).toMatchObject({ model: models[0]?.name, size: 0 })
    expect(models[0]?.digest).toMatch(/^[0-9a-f]{64}$/)
  })

  it('no messages or an empty prompt only "loads" the model, streamed or not, as in Ollama', async () => {
    const chat = await ollama.chat({ model: 'router', stream: false, messages: [] })
    expect(chat).toMatchObject({ done: true, done_reason: 'load', model: 'router' })
    const lines: { done_reason?: string }[] = []
    for await (const p of await ollama.generate({ model: 'basic', prompt: '', stream: true }))
      lines.push(p)
    expect(lines).toEqual([expect.objectContaining({ done: true, done_reason: 'load' })])
    expect(up.requests).toHaveLength(0)
    const missing = await ollama
      .generate({ model: 'nope', prompt: '', stream: false })
      .catch((e: unknown) => e)
    expect(missing).toMatchObject({ status_code: 404 })
  })

  it('the `llmnet` id and a `:latest` tag answer', async () => {
    const r = await ollama.chat({
      model: 'llmnet:latest',
      stream: false,
      messages: [{ role: 'user', content: 'hi' }]
    })
    expect(r.message.content).toBe(`${ANSWERER.basic} says: hi`)
    expect(r.model).toBe('llmnet:latest')
  })

  it('show, ps and version', async () => {
    const shown = await ollama.show({ model: 'router' })
    expect(shown.capabilities).toContain('completion')
    expect(shown.model_info).toMatchObject({ 'llmnet.pipeline': 'router' })
    const direct = await ollama.show({ model: 'basic/embedder' })
    expect(direct.model_info).toMatchObject({ 'llmnet.model': 'embedder' })
    const ps = await ollama.ps()
    expect(ps.models.map((m) => m.name)).toEqual(expect.arrayContaining([...PIPELINES]))
    const v = await ollama.version()
    expect(v.version).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('embed and the older embeddings give the upstream vectors', async () => {
    const e = await ollama.embed({ model: 'basic/embedder', input: ['one', 'three'] })
    expect(e.embeddings).toEqual([fakeEmbedding('one'), fakeEmbedding('three')])
    expect(e.model).toBe('basic/embedder')
    const single = await ollama.embeddings({ model: 'basic/embedder', prompt: 'two' })
    expect(single.embedding).toEqual(fakeEmbedding('two'))
    const sent = up.requests.filter((q) => q.path.endsWith('/embeddings')).at(-1)
    expect(sent?.body).toMatchObject({ model: 'fake-embed', input: ['two'] })
  })

  it('generate with a suffix fills in the middle at the model', async () => {
    const r = await ollama.generate({
      model: 'basic/coder',
      prompt: 'def f(',
      suffix: ')',
      stream: false
    })
    expect(r.response).toBe('fake-coder fills: def f(…)')
  })

  it('a tool round trip: the call comes back with object arguments, and its result answers', async () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'The weather in a city',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city']
          }
        }
      }
    ]
    const first = await ollama.chat({
      model: 'basic',
      stream: false,
      tools,
      messages: [{ role: 'user', content: 'weather in Paris?' }]
    })
    const call = first.message.tool_calls?.[0]
    expect(call?.function).toMatchObject({ name: 'get_weather', arguments: { city: 'Paris' } })
    const second = await ollama.chat({
      model: 'basic',
      stream: false,
      tools,
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        first.message,
        { role: 'tool', content: 'sunny', tool_name: 'get_weather' }
      ]
    })
    expect(second.message.content).toBe('The weather: sunny')
    const sent = up.requests.at(-1)?.body.messages as Record<string, unknown>[]
    const toolCallId = (sent[1]?.tool_calls as { id: string }[])[0]?.id
    expect(sent[2]).toMatchObject({ role: 'tool', tool_call_id: toolCallId })
    // Streamed: the call arrives on the last line.
    let calls: unknown[] = []
    for await (const part of await ollama.chat({
      model: 'basic',
      stream: true,
      tools,
      messages: [{ role: 'user', content: 'weather?' }]
    }))
      if (part.message.tool_calls) calls = part.message.tool_calls
    expect(calls).toEqual([
      expect.objectContaining({
        function: expect.objectContaining({
          name: WEATHER_CALL.function.name,
          arguments: { city: 'Paris' }
        })
      })
    ])
  })

  it('thinking comes back as message.thinking; a failure mid-stream is a last {"error"} line', async () => {
    up.setResponder(() => ({ content: 'done thinking', reasoningContent: 'let me see' }))
    try {
      const whole = await ollama.chat({
        model: 'basic',
        stream: false,
        think: true,
        messages: [{ role: 'user', content: 'think' }]
      })
      expect(whole.message).toMatchObject({ content: 'done thinking', thinking: 'let me see' })
      let thinking = ''
      for await (const p of await ollama.chat({
        model: 'basic',
        stream: true,
        messages: [{ role: 'user', content: 'think' }]
      }))
        thinking += p.message.thinking ?? ''
      expect(thinking).toBe('let me see')
      up.setResponder(() => ({ content: 'half of it', streamError: 'the model fell over' }))
      const failed = await (async () => {
        for await (const _ of await ollama.chat({
          model: 'basic',
          stream: true,
          messages: [{ role: 'user', content: 'x' }]
        }));
      })().catch((e: unknown) => e as Error)
      expect((failed as Error).message).toContain('the model fell over')
    } finally {
      up.setResponder(toolResponder)
    }
  })

  it('errors leave as Ollama sends them: {"error"} with the status', async () => {
    const missing = await ollama
      .chat({ model: 'nope', stream: false, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e)
    expect(missing).toMatchObject({ name: 'ResponseError', status_code: 404 })
    expect((missing as Error).message).toContain('"nope"')
    const bad = await rawRequest(served.url, {
      path: '/api/chat',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'basic', messages: [{ role: 'robot', content: 'x' }] })
    })
    expect(bad.status).toBe(400)
    expect(Object.keys(JSON.parse(bad.text) as object)).toEqual(['error'])
    expect(bad.text).toContain('messages[0].role')
    const head = await rawRequest(served.url, { path: '/', method: 'HEAD' })
    expect(head.status).toBe(200)
    const root = await rawRequest(served.url, { path: '/', method: 'GET' })
    expect(root.status).toBe(200)
    expect(root.text).toBe('Ollama is running')
  })
})

describe('the ollama client against real llmnet processes', () => {
  function composition(dir: string, name: string): string {
    const file = path.join(dir, `${name}.json`)
    writeFileSync(
      file,
      JSON.stringify({
        models: {
          m: { type: 'external', url: `${up.url}/v1` },
          embedder: { type: 'external', url: `${up.url}/v1`, name: 'fake-embed' }
        },
        architecture: [
          { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
          { name: 'output', adapter: 'output' }
        ]
      })
    )
    return file
  }

  it('llmnet run --port 0 with an API key: every call, and 401 without the key', async () => {
    const tmp = tempDir()
    try {
      const file = composition(tmp.dir, 'helper')
      const { url } = await runServer([file], {}, ['--api-key', 'k-ollama-123'])
      const client = new Ollama({ host: url, headers: { Authorization: 'Bearer k-ollama-123' } })
      const chat = await client.chat({
        model: 'helper',
        stream: false,
        messages: [{ role: 'user', content: 'ping' }]
      })
      expect(chat.message.content).toContain('ping')
      let streamed = ''
      for await (const p of await client.chat({
        model: 'llmnet',
        stream: true,
        messages: [{ role: 'user', content: 'pong' }]
      }))
        streamed += p.message.content
      expect(streamed).toContain('pong')
      expect((await client.generate({ model: 'helper', prompt: 'g', stream: false })).done).toBe(
        true
      )
      expect((await client.embed({ model: 'helper/embedder', input: 'e' })).embeddings[0]).toEqual(
        fakeEmbedding('e')
      )
      expect((await client.list()).models.map((m) => m.name)).toContain('llmnet')
      expect((await client.show({ model: 'helper' })).capabilities).toContain('completion')
      expect((await client.ps()).models.length).toBeGreaterThan(0)
      expect((await client.version()).version).toMatch(/\d/)
      const refused = await new Ollama({ host: url })
        .list()
        .catch((e: unknown) => e as { status_code: number; error: string })
      expect(refused).toMatchObject({ status_code: 401 })
    } finally {
      tmp.remove()
    }
  }, 120_000)

  it('llmnet serve: Ollama routes beside the control API, which stays guarded', async () => {
    const tmp = tempDir('llmnet-serve-')
    const env = {
      LLMNET_DATA_DIR: path.join(tmp.dir, 'data'),
      XDG_CONFIG_HOME: path.join(tmp.dir, 'config'),
      HOME: tmp.dir,
      LLMNET_SECRET_KEY: Buffer.alloc(32, 3).toString('base64')
    }
    try {
      const proc = llmnet(['serve', '--port', '0'], env)
      const [, url] = (await proc.waitFor(
        'stdout',
        /OpenAI-compatible API: (http:\/\/127\.0\.0\.1:\d+)\/v1/
      )) as unknown as [string, string]
      for (const name of ['first', 'second']) {
        const d = llmnet(['deploy', composition(tmp.dir, name)], env)
        expect(await d.exited).toBe(0)
      }
      const client = new Ollama({ host: url })
      const chat = await client.chat({
        model: 'second',
        stream: false,
        messages: [{ role: 'user', content: 'via serve' }]
      })
      expect(chat.message.content).toContain('via serve')
      let text = ''
      for await (const p of await client.generate({
        model: 'llmnet',
        prompt: 'dflt',
        stream: true
      }))
        text += p.response
      expect(text).toContain('dflt')
      expect((await client.list()).models.map((m) => m.name)).toEqual(
        expect.arrayContaining(['first', 'second', 'llmnet', 'first/m'])
      )
      const error = await client
        .show({ model: 'missing' })
        .catch((e: unknown) => e as { status_code: number })
      expect(error).toMatchObject({ status_code: 404 })
      // The control API beside it still wants its token.
      const control = await rawRequest(url, {
        path: '/api/pipelines.list',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}'
      })
      expect(control.status).toBe(401)
    } finally {
      tmp.remove()
    }
  }, 120_000)

  it('the app runtime: Ollama routes follow per-app tokens when keys are required; the control API does not take them', async () => {
    const tmp = tempDir('llmnet-ollama-app-')
    const app = await createAppRuntime({
      dataDir: tmp.dir,
      env: { LLMNET_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }
    })
    try {
      const state = await app.start({ host: '127.0.0.1', port: 0 })
      const url = state.url as string
      const call = async (route: string, input: unknown): Promise<Record<string, unknown>> => {
        const res = await fetch(`${url}/api/${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
          body: JSON.stringify(input)
        })
        const envelope = (await res.json()) as { ok: boolean; data: Record<string, unknown> }
        expect(envelope.ok).toBe(true)
        return envelope.data
      }
      const text = readFileSync(composition(tmp.dir, 'desk'), 'utf8')
      await call('pipelines.save', { name: 'desk', text, format: 'json' })
      const open = new Ollama({ host: url })
      const chat = await open.chat({
        model: 'llmnet',
        stream: false,
        messages: [{ role: 'user', content: 'in the app' }]
      })
      expect(chat.message.content).toContain('in the app')

      await call('settings.set', { access: { requireKeys: true } })
      expect(await open.list().catch((e: unknown) => e)).toMatchObject({ status_code: 401 })
      const { token } = (await call('access.create', { name: 'Ollama app' })) as { token: string }
      const keyed = new Ollama({ host: url, headers: { Authorization: `Bearer ${token}` } })
      expect((await keyed.list()).models.map((m) => m.name)).toContain('desk')
      const answered = await keyed.generate({ model: 'desk', prompt: 'keyed', stream: false })
      expect(answered.response).toContain('keyed')
      // Traced like /v1, under the app that asked.
      app.store.traceWriter.flush()
      const { traces } = (await call('traces.list', { pipeline: 'desk' })) as {
        traces: { app?: string | null; status: string }[]
      }
      expect(traces).toEqual(
        expect.arrayContaining([expect.objectContaining({ app: 'Ollama app', status: 'ok' })])
      )
      // An app token opens Ollama's routes, never the control API beside them.
      const control = await rawRequest(url, {
        path: '/api/pipelines.list',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: '{}'
      })
      expect(control.status).toBe(401)
    } finally {
      await app.stop({ graceMs: 100 })
      tmp.remove()
    }
  }, 60_000)
})
