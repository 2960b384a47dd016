/**
 * `POST /v1/messages/count_tokens` on a llama.cpp model llmnet runs itself (the tiny generated
 * GGUF in a worker process): the count is the model's own tokenizer with its chat template, the
 * same number the answer's `usage.input_tokens` reports, through the official Anthropic SDK.
 */
import Anthropic from '@anthropic-ai/sdk'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeTinyGguf } from '../../src/main/core/local/tiny-gguf'
import { serve, type Served, tempDir } from '../support/harness'

const tmp = tempDir('llmnet-count-tokens-')
let s: Served
let client: Anthropic

beforeAll(async () => {
  const gguf = (await writeTinyGguf(join(tmp.dir, 'tiny.gguf'), { seed: 5 })).path
  const models = {
    tiny: { runner: 'llama-cpp', source: gguf, parameters: { n_ctx: 512, threads: 1 } },
    other: { type: 'external', url: 'http://127.0.0.1:9' }
  }
  s = await serve(
    {
      local: {
        models,
        architecture: [
          {
            name: 'answer',
            layer: 0,
            model: 'tiny',
            adapter: 'openai-api',
            'output-to': ['output']
          },
          { name: 'output', adapter: 'output' }
        ]
      },
      mixed: {
        models,
        architecture: [
          { name: 'router', layer: 0, model: 'other', adapter: 'openai-api', 'output-to': [1] },
          {
            name: 'expert',
            layer: 1,
            model: 'tiny',
            adapter: 'openai-api',
            'use-case': 'Anything',
            'output-to': ['output']
          },
          { name: 'output', adapter: 'output' }
        ]
      }
    },
    { dataDir: tmp.dir, idleTtlMs: 60_000 }
  )
  client = new Anthropic({ baseURL: s.url, apiKey: 'x', maxRetries: 0 })
}, 120_000)
afterAll(async () => {
  await s?.close()
  tmp.remove()
})

const request = {
  system: 'You answer in one word.',
  messages: [
    { role: 'user' as const, content: 'Name a colour of the sky at noon, please.' },
    { role: 'assistant' as const, content: 'Blue.' },
    { role: 'user' as const, content: 'And at night?' }
  ]
}

describe('count_tokens on a llama.cpp model', () => {
  it('counts with the model’s tokenizer and template: the answer’s input_tokens', async () => {
    for (const model of ['local', 'local/tiny']) {
      const counted = await client.messages.countTokens({ model, ...request })
      const answer = await client.messages.create({ model, max_tokens: 1, ...request })
      expect(counted.input_tokens, model).toBe(answer.usage.input_tokens)
    }
  }, 60_000)

  it('a pipeline with several models gets the estimate (it cannot tell which one answers)', async () => {
    const counted = await client.messages.countTokens({ model: 'mixed', ...request })
    const chars = request.system.length + request.messages.reduce((n, m) => n + m.content.length, 0)
    expect(counted.input_tokens).toBe(Math.ceil(chars / 4) + 4 * request.messages.length)
  })
})
