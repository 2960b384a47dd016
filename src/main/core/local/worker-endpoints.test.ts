/**
 * The worker's embeddings and legacy completions on the tiny generated GGUF, through its real
 * HTTP server: embeddings come from node-llama-cpp's embedding context, completions from a slot,
 * and `suffix` on a model without FIM tokens is a 400 that says why.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LlamaModel } from 'node-llama-cpp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { rawRequest } from '../../../../tests/support/harness'
import { LlamaModelServer } from './llama-server'
import { writeTinyGguf } from './tiny-gguf'

let dir: string
let server: LlamaModelServer
let url: string
/** Watches the real node-llama-cpp call (and calls through) to see the options it is given. */
const createEmbeddingContext = vi.spyOn(LlamaModel.prototype, 'createEmbeddingContext')

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmnet-worker-endpoints-'))
  const modelPath = (await writeTinyGguf(join(dir, 'tiny.gguf'))).path
  server = new LlamaModelServer(
    { modelPath, contextSize: 256, threads: 1, parallel: 1, gpu: false },
    { log: () => undefined }
  )
  const port = await server.listen(0)
  await server.load(port)
  url = `http://127.0.0.1:${port}`
}, 120_000)

afterAll(async () => {
  await server?.close()
  await rm(dir, { recursive: true, force: true })
})

function post(path: string, body: unknown) {
  return rawRequest(url, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
}

describe('the worker’s other endpoints', () => {
  it('embeds each input with the model, same text same vector', async () => {
    const res = await post('/v1/embeddings', { model: 'tiny', input: ['hello', 'world', 'hello'] })
    expect(res.status).toBe(200)
    const body = res.json()
    expect(body.data).toHaveLength(3)
    const [a, b, c] = body.data.map((d: { embedding: number[] }) => d.embedding)
    expect(a.length).toBeGreaterThan(0)
    expect(a.every((v: unknown) => typeof v === 'number' && Number.isFinite(v))).toBe(true)
    expect(c).toEqual(a)
    expect(b).not.toEqual(a)
    expect(body.usage.prompt_tokens).toBeGreaterThan(0)
    // The worker's thread count, not node-llama-cpp's every-core default (fails without it).
    expect(createEmbeddingContext.mock.calls[0]?.[0]).toMatchObject({ threads: 1 })
  })

  it('answers a legacy completion, whole and streamed', async () => {
    const whole = await post('/v1/completions', { model: 'tiny', prompt: 'once', max_tokens: 4 })
    expect(whole.status).toBe(200)
    expect(whole.json()).toMatchObject({
      object: 'text_completion',
      choices: [{ index: 0, text: expect.any(String) }]
    })
    const streamed = await post('/v1/completions', {
      model: 'tiny',
      prompt: 'once',
      max_tokens: 4,
      stream: true
    })
    expect(streamed.status).toBe(200)
    expect(streamed.text.trim().endsWith('data: [DONE]')).toBe(true)
  })

  it('refuses suffix (FIM) on a model without FIM tokens, naming the reason', async () => {
    const res = await post('/v1/completions', { model: 'tiny', prompt: 'a', suffix: 'b' })
    expect(res.status).toBe(400)
    expect(res.json().error).toMatchObject({
      code: 'fim_not_supported',
      param: 'suffix',
      message: expect.stringContaining('no FIM tokens')
    })
  })

  it('names the bad field of an embeddings body', async () => {
    const res = await post('/v1/embeddings', { model: 'tiny', input: [] })
    expect(res.status).toBe(400)
    expect(res.json().error.param).toBe('input')
  })
})
