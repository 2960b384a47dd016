/**
 * The new endpoints on a llama.cpp model llmnet runs itself (the tiny generated GGUF in a worker
 * process), through the runtime and the official OpenAI SDK: embeddings from the worker's
 * embedding context, legacy completions, `suffix` refused with the worker's reason, and a direct
 * `PIPELINE/MODEL` chat that starts the same worker.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeTinyGguf } from '../../src/main/core/local/tiny-gguf'
import { serve, type Served, tempDir } from '../support/harness'

const tmp = tempDir('llmnet-local-endpoints-')
let s: Served

beforeAll(async () => {
  const gguf = (await writeTinyGguf(join(tmp.dir, 'tiny.gguf'), { seed: 3 })).path
  s = await serve(
    {
      kit: {
        models: {
          tiny: { runner: 'llama-cpp', source: gguf, parameters: { n_ctx: 512, threads: 1 } },
          other: { type: 'external', url: 'http://127.0.0.1:9' }
        },
        architecture: [
          {
            name: 'answer',
            layer: 0,
            model: 'other',
            adapter: 'openai-api',
            'output-to': ['output']
          },
          { name: 'output', adapter: 'output' }
        ]
      }
    },
    { dataDir: tmp.dir, idleTtlMs: 60_000 }
  )
}, 120_000)
afterAll(async () => {
  await s?.close()
  tmp.remove()
})

describe('endpoints on a llama.cpp model', () => {
  it('embeddings.create on PIPELINE/MODEL embeds in the worker', async () => {
    const res = await s.client.embeddings.create({
      model: 'kit/tiny',
      input: ['same', 'other text', 'same'],
      encoding_format: 'float'
    })
    const [a, b, c] = res.data.map((d) => d.embedding)
    expect(a?.length).toBeGreaterThan(0)
    expect(c).toEqual(a)
    expect(b).not.toEqual(a)
    expect(res.usage.prompt_tokens).toBeGreaterThan(0)
    // The SDK's default (base64) decodes to the same floats.
    const b64 = await s.client.embeddings.create({ model: 'kit/tiny', input: 'same' })
    expect(b64.data[0]?.embedding).toEqual(a?.map((v) => Math.fround(v)))
  })

  it('completions.create answers from the worker; suffix is a 400 fim_not_supported naming why, not the worker port', async () => {
    const res = await s.client.completions.create({
      model: 'kit/tiny',
      prompt: 'one two',
      max_tokens: 3
    })
    expect(res.object).toBe('text_completion')
    expect(typeof res.choices[0]?.text).toBe('string')
    const fim = await s.client.completions
      .create({ model: 'kit/tiny', prompt: 'a', suffix: 'b', max_tokens: 3 })
      .catch((e: unknown) => e)
    expect(fim).toMatchObject({
      status: 400,
      code: 'fim_not_supported',
      param: 'suffix',
      message: expect.stringContaining('no FIM tokens')
    })
    // The worker's address is internal: the message names the model, not its port.
    expect((fim as Error).message).not.toMatch(/127\.0\.0\.1|localhost|:\d{2,5}\b/)
    expect((fim as Error).message).toContain('model "tiny"')
  })

  it('chat on PIPELINE/MODEL reaches the local model, bypassing the pipeline', async () => {
    const res = await s.client.chat.completions
      .create({ model: 'kit/tiny', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse()
    expect(res.response.headers.get('x-llmnet-route')).toBe('tiny>output')
    expect(res.data.usage?.completion_tokens).toBeGreaterThan(0)
  })
})
