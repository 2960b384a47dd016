/**
 * Embeddings and legacy completions on an Ollama model (`runner: ollama`, no endpoint), through
 * the runtime and the official OpenAI SDK, with Ollama a fake HTTP server reached via
 * OLLAMA_HOST: embeddings go to Ollama's native /api/embed, completions to its OpenAI-compatible
 * /v1/completions. Every test checks what the fake received, so a broken Ollama path fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type FakeOllama,
  fakeCompletion,
  fakeEmbedding,
  startFakeOllama
} from '../support/fake-ollama'
import { type Json, serve, type Served } from '../support/harness'

let ollama: FakeOllama
let s: Served

/** A pipeline whose only model is an Ollama one, so the pipeline id addresses it. */
function onlyModel(source: string): Json {
  return {
    models: { local: { runner: 'ollama', source } },
    architecture: [
      { name: 'answer', layer: 0, model: 'local', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  }
}

beforeAll(async () => {
  ollama = await startFakeOllama({
    models: [{ name: 'nomic-embed-text' }, { name: 'qwen2.5-coder:1.5b' }, { name: 'llama3.2' }]
  })
  s = await serve(
    {
      kit: onlyModel('nomic-embed-text'),
      coder: onlyModel('qwen2.5-coder:1.5b'),
      ghost: onlyModel('no-such-model:7b'),
      gone: onlyModel('llama3.2')
    },
    { env: { OLLAMA_HOST: ollama.url } }
  )
})
afterAll(async () => {
  await s?.close()
  await ollama?.close()
})

/** The fake's requests to `path` since `from`. */
function sent(path: string, from: number): Json[] {
  return ollama.requests
    .slice(from)
    .filter((r) => r.path === path)
    .map((r) => r.body as Json)
}

describe('embeddings on an Ollama model', () => {
  it.each(['kit', 'kit/local'])(
    'embeddings.create on %s: a string and an array, through /api/embed, in order',
    async (model) => {
      const from = ollama.requests.length
      const one = await s.client.embeddings.create({
        model,
        input: 'hello',
        encoding_format: 'float'
      })
      expect(one.model).toBe(model)
      expect(one.data).toEqual([
        { object: 'embedding', index: 0, embedding: fakeEmbedding('hello') }
      ])
      const many = await s.client.embeddings.create({
        model,
        input: ['first text', 'second', 'first text'],
        encoding_format: 'float'
      })
      expect(many.data.map((d) => d.embedding)).toEqual(
        ['first text', 'second', 'first text'].map(fakeEmbedding)
      )
      expect(many.data.map((d) => d.index)).toEqual([0, 1, 2])
      expect(many.usage.prompt_tokens).toBe(5)
      expect(sent('/api/embed', from)).toEqual([
        expect.objectContaining({ model: 'nomic-embed-text', input: 'hello' }),
        expect.objectContaining({
          model: 'nomic-embed-text',
          input: ['first text', 'second', 'first text']
        })
      ])
    }
  )

  it('the SDK default (base64) decodes to the same floats; dimensions reach Ollama', async () => {
    const b64 = await s.client.embeddings.create({ model: 'kit', input: ['a', 'b'] })
    expect(b64.data.map((d) => d.embedding)).toEqual(
      ['a', 'b'].map((t) => fakeEmbedding(t).map((v) => Math.fround(v)))
    )
    const from = ollama.requests.length
    const cut = await s.client.embeddings.create({
      model: 'kit',
      input: 'a',
      dimensions: 3,
      encoding_format: 'float'
    })
    expect(cut.data[0]?.embedding).toEqual(fakeEmbedding('a').slice(0, 3))
    expect(sent('/api/embed', from)[0]).toMatchObject({ dimensions: 3 })
  })

  it('token arrays are a 400 naming input: Ollama embeds text only (catches a 502 from Ollama)', async () => {
    const from = ollama.requests.length
    const res = await fetch(`${s.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'kit', input: [[1, 2, 3]] })
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({
      error: {
        param: 'input',
        message: expect.stringContaining('Ollama model nomic-embed-text embeds text')
      }
    })
    expect(sent('/api/embed', from)).toEqual([])
  })
})

describe('legacy completions on an Ollama model', () => {
  it.each(['coder', 'coder/local'])(
    'completions.create on %s, not streamed, with suffix, through /v1/completions',
    async (model) => {
      const from = ollama.requests.length
      const res = await s.client.completions.create({
        model,
        prompt: 'def add(a, b):',
        suffix: 'return c',
        max_tokens: 16
      })
      expect(res.object).toBe('text_completion')
      expect(res.model).toBe(model)
      expect(res.choices[0]?.text).toBe(
        fakeCompletion('qwen2.5-coder:1.5b', 'def add(a, b):', 'return c')
      )
      expect(sent('/v1/completions', from)).toEqual([
        expect.objectContaining({
          model: 'qwen2.5-coder:1.5b',
          prompt: 'def add(a, b):',
          suffix: 'return c',
          max_tokens: 16
        })
      ])
    }
  )

  it.each(['coder', 'coder/local'])('completions.create on %s, streamed', async (model) => {
    const from = ollama.requests.length
    const stream = await s.client.completions.create({
      model,
      prompt: 'one two three',
      stream: true
    })
    let text = ''
    const finish: (string | null)[] = []
    for await (const chunk of stream) {
      expect(chunk.model).toBe(model)
      text += chunk.choices[0]?.text ?? ''
      finish.push(chunk.choices[0]?.finish_reason ?? null)
    }
    expect(text).toBe(fakeCompletion('qwen2.5-coder:1.5b', 'one two three'))
    expect(finish.at(-1)).toBe('stop')
    expect(finish.length).toBeGreaterThan(2)
    expect(sent('/v1/completions', from)).toEqual([
      expect.objectContaining({ model: 'qwen2.5-coder:1.5b', stream: true })
    ])
  })
})

describe('failures name the Ollama model', () => {
  it('a model Ollama cannot pull: embeddings and completions are an error envelope naming it', async () => {
    const from = ollama.requests.length
    const emb = s.client.embeddings.create({ model: 'ghost', input: 'x' })
    await expect(emb).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining('no-such-model:7b')
    })
    const cmp = s.client.completions.create({ model: 'ghost/local', prompt: 'x' })
    await expect(cmp).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining('no-such-model:7b')
    })
    expect(sent('/api/pull', from)[0]).toMatchObject({ name: 'no-such-model:7b' })
  })

  it('a model removed from Ollama after first use: its 404 comes back naming the model', async () => {
    await s.client.embeddings.create({ model: 'gone', input: 'warm', encoding_format: 'float' })
    ollama.models.delete('llama3.2:latest')
    const emb = s.client.embeddings.create({ model: 'gone', input: 'x', encoding_format: 'float' })
    await expect(emb).rejects.toMatchObject({
      status: 502,
      message: expect.stringContaining(
        "Ollama could not embed with llama3.2: model 'llama3.2' not found"
      )
    })
    // Ollama's /v1/completions answers 404 with its own message, passed on as a refusal.
    const cmp = s.client.completions.create({ model: 'gone', prompt: 'x' })
    await expect(cmp).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('model "llama3.2" not found, try pulling it first')
    })
  })
})
