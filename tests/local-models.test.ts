/**
 * The tiny generated GGUF through the whole stack: a composition with `runner: "llama-cpp"`
 * served by `llmnet`, its model in a child process, constrained routing, streaming, prefix-reuse
 * token counts in the trace, model status events; and the `llmnet models` commands against a
 * local HTTP server that serves the GGUF.
 */
import { once } from 'node:events'
import { createReadStream, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/main/cli/program'
import type { Trace } from '../src/main/core/engine/trace'
import { writeTinyGguf } from '../src/main/core/local/tiny-gguf'
import type { ModelRuntimeStatus } from '../src/shared/models/status'
import { serve, type Served, tempDir } from './support/harness'

const tmp = tempDir('llmnet-local-')
let gguf: string

beforeAll(async () => {
  gguf = (await writeTinyGguf(join(tmp.dir, 'tiny.gguf'), { seed: 7 })).path
})
afterAll(() => tmp.remove())

function nextTrace(s: Served): Promise<Trace> {
  return new Promise((resolve) => {
    const off = s.runtime.events.on('trace', (t) => {
      off()
      resolve(t)
    })
  })
}

describe('a llama.cpp pipeline end to end', () => {
  let s: Served
  const statuses: ModelRuntimeStatus[] = []

  beforeAll(async () => {
    s = await serve(
      {
        local: {
          models: {
            tiny: { runner: 'llama-cpp', source: gguf, parameters: { n_ctx: 1024, threads: 1 } }
          },
          architecture: [
            { name: 'router', layer: 0, model: 'tiny', adapter: 'openai-api', 'output-to': [1] },
            {
              name: 'alpha',
              layer: 1,
              model: 'tiny',
              adapter: 'openai-api',
              'use-case': 'Questions about the weather',
              'output-to': ['output']
            },
            {
              name: 'beta',
              layer: 1,
              model: 'tiny',
              adapter: 'openai-api',
              'use-case': 'Questions about cooking',
              'output-to': ['output']
            },
            { name: 'output', adapter: 'output' }
          ]
        }
      },
      { dataDir: tmp.dir, idleTtlMs: 60_000 }
    )
    s.runtime.events.on('model.status', (m) => statuses.push(m))
  })
  afterAll(async () => {
    await s?.close()
  })

  it('routes with a grammar-constrained decision, answers, and reports the model ready (catches local runners that start but cannot be called, as in the Rust llmnet)', async () => {
    const traced = nextTrace(s)
    const res = await s.client.chat.completions
      .create({
        model: 'local',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'Will it rain tomorrow?' }]
      })
      .withResponse()
    expect(res.response.status).toBe(200)
    const route = res.response.headers.get('x-llmnet-route')
    expect(route).toMatch(/^router>(alpha|beta)>output$/)
    expect(res.data.usage?.completion_tokens).toBeGreaterThan(0)
    const trace = await traced
    const decision = trace.hops.find((h) => h.action === 'route')
    expect(decision?.decisionSource).toBe('model')
    // The grammar forces {"route": "alpha"|"beta"} even from random weights.
    expect(JSON.parse(decision?.rawAnswers?.[0] ?? '{}')).toHaveProperty('route')
    // "alpha" and "beta" part at their first letter: one sampled token, the rest completed.
    expect(decision?.tokens).toMatchObject({ generated: 1, cached: 0 })
    // The first request started the model: its load time is recorded apart from the answer's.
    expect(decision?.loadMs).toBeGreaterThan(0)
    expect(trace.hops.find((h) => h.action === 'answer')?.loadMs).toBeUndefined()
    // The worker is called over the runtime's own connection pools, which stop() closes.
    expect(s.runtime.pools.size).toBe(1)
    expect(
      statuses.some(
        (m) => m.key === 'tiny' && m.state === 'ready' && m.pid !== null && m.port !== null
      )
    ).toBe(true)
  })

  it('streams the final answer token by token (catches buffering the local model)', async () => {
    const stream = await s.client.chat.completions.create({
      model: 'local',
      stream: true,
      max_tokens: 12,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'How long do I boil an egg?' }]
    })
    let chunks = 0
    let usage: unknown
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) chunks++
      if (chunk.usage) usage = chunk.usage
    }
    expect(chunks).toBeGreaterThan(1)
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) })
  })

  it('a prompt longer than the context is a 400 context_length_exceeded, never truncated nor retried (fails if it becomes a retried 502)', async () => {
    const traces: Trace[] = []
    const off = s.runtime.events.on('trace', (t) => traces.push(t))
    const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'x', maxRetries: 2 })
    const err = await client.chat.completions
      .create({ model: 'local', messages: [{ role: 'user', content: 'rain '.repeat(3000) }] })
      .catch((e: unknown) => e)
    off()
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    const e = err as InstanceType<typeof OpenAI.BadRequestError>
    expect(e.status).toBe(400)
    expect(e.code).toBe('context_length_exceeded')
    expect(e.param).toBe('messages')
    expect(e.message).toMatch(/node "router" \(model ".*tiny\.gguf"\).*the context holds 1024/)
    // The SDK did not ask again: one request reached llmnet.
    expect(traces).toHaveLength(1)
  })

  it('a later routing decision reuses the evaluated prefix: the trace shows cached prompt tokens (catches re-evaluating the router prompt)', async () => {
    const traced = nextTrace(s)
    await s.client.chat.completions.create({
      model: 'local',
      max_tokens: 4,
      messages: [{ role: 'user', content: 'Is it sunny?' }]
    })
    const hop = (await traced).hops.find((h) => h.action === 'route')
    const usage = hop?.usage as
      { prompt_tokens: number; prompt_tokens_details?: { cached_tokens?: number } } | undefined
    expect(usage?.prompt_tokens).toBeGreaterThan(0)
    const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0
    // Only the user's text and the template's closing tokens are new.
    expect(cached).toBeGreaterThan((usage?.prompt_tokens ?? 0) / 2)
    expect(hop?.tokens).toEqual({
      evaluated: (usage?.prompt_tokens ?? 0) - cached,
      cached,
      generated: 1
    })
  })

  it('GET /status lists the model process with pid, port and memory (catches a status API without the running model)', async () => {
    const body = (await (await fetch(`${s.url}/status`)).json()) as { models: ModelRuntimeStatus[] }
    const tiny = body.models.find((m) => m.key === 'tiny')
    expect(tiny).toMatchObject({ runner: 'llama-cpp', state: expect.stringMatching(/ready|busy/) })
    expect(tiny?.pid).toBeGreaterThan(0)
    expect(tiny?.memory?.ramBytes).toBeGreaterThan(0)
  })
})

describe('llmnet models and a missing model', () => {
  let server: Server
  let url: string
  const data = tempDir('llmnet-data-')

  beforeAll(async () => {
    server = createServer((req, res) => {
      const size = statSync(gguf).size
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size })
      createReadStream(gguf).pipe(res)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/tiny-chat.gguf`
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
    data.remove()
  })

  const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = ''
    let err = ''
    const code = await runCli(args, {
      stdout: { write: (x: string) => (out += x) },
      stderr: { write: (x: string) => (err += x) },
      env: { ...process.env, LLMNET_DATA_DIR: data.dir, LLMNET_MODELS_DIR: '' },
      cwd: data.dir
    })
    return { code, out, err }
  }

  it('pull, list, info and rm work on the models folder (catches a library the CLI cannot reach)', async () => {
    const pulled = await cli(['models', 'pull', url])
    expect(pulled.code, pulled.err).toBe(0)
    expect(pulled.out.trim()).toBe(join(data.dir, 'models', 'tiny-chat.gguf'))
    const listed = await cli(['models', 'list'])
    expect(listed.out).toMatch(/tiny-chat\.gguf\s+\S+ kB\s+llama/)
    const info = await cli(['models', 'info', 'tiny-chat.gguf'])
    expect(info.out).toMatch(/architecture\s+llama/)
    expect(info.out).toMatch(/sha256\s+[0-9a-f]{64}/)
    expect((await cli(['models', 'rm', 'tiny-chat.gguf'])).code).toBe(0)
    expect((await cli(['models', 'list'])).out).toContain('no models downloaded yet')
  })

  // `run` serves the other pipelines instead (tests/cli-behaviour.test.ts).
  it('llmnet ask on a pipeline whose model is missing exits 3 with the exact pull command (catches a cryptic failure at request time)', async () => {
    const { code, err } = await cli([
      'ask',
      join(process.cwd(), 'examples/local-assistant.json'),
      'hello'
    ])
    expect(code).toBe(3)
    expect(err).toContain('get it with: llmnet models pull qwen2.5-0.5b-instruct')
  })
})
