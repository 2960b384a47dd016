import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { readGgufFileInfo } from 'node-llama-cpp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toChatHistory } from './chat-history'
import { LlamaModelServer, type HealthBody } from './llama-server'
import {
  kvCacheBytesPerToken,
  pickThreads,
  TINY_MODEL_BYTES,
  validateParams,
  WorkerFailure
} from './worker-checks'
import { writeTinyGguf } from './tiny-gguf'
import { rawRequest } from '../../../../tests/support/harness'

const JSON_HEADERS = { 'content-type': 'application/json' }

let dir: string
let modelPath: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmnet-llama-server-'))
  modelPath = (await writeTinyGguf(join(dir, 'tiny.gguf'))).path
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function postJson<T>(url: string, payload: unknown): Promise<T> {
  const body = JSON.stringify(payload)
  return (
    await rawRequest(url, { method: 'POST', path: url, headers: JSON_HEADERS, body })
  ).json() as T
}

async function getJson<T>(url: string): Promise<T> {
  return (await rawRequest(url, { path: url })).json() as T
}

describe('pickThreads', () => {
  it('uses 1 thread for tiny files, math cores for big ones, and an explicit count always (catches the 500× slowdown of many threads on a tiny model)', () => {
    expect(pickThreads({ fileBytes: 600_000, cpuMathCores: 8, available: 16 })).toBe(1)
    expect(pickThreads({ fileBytes: TINY_MODEL_BYTES, cpuMathCores: 8, available: 16 })).toBe(8)
    expect(pickThreads({ fileBytes: 4e9, cpuMathCores: 6, available: 12 })).toBe(6)
    expect(pickThreads({ fileBytes: 600_000, explicit: 3 })).toBe(3)
    expect(pickThreads({ fileBytes: 4e9, explicit: 2, available: 2 })).toBe(2)
  })

  it('leaves one core free by default, at least 1 thread (catches llama.cpp taking every core of a small machine)', () => {
    expect(pickThreads({ fileBytes: 4e9, cpuMathCores: 2, available: 2 })).toBe(1)
    expect(pickThreads({ fileBytes: 4e9, cpuMathCores: 4, available: 4 })).toBe(3)
    expect(pickThreads({ fileBytes: 4e9, available: 8 })).toBe(7)
    expect(pickThreads({ fileBytes: 4e9, cpuMathCores: 1, available: 1 })).toBe(1)
    expect(pickThreads({ fileBytes: 4e9 })).toBe(Math.max(1, availableParallelism() - 1))
  })
})

describe('toChatHistory', () => {
  it('maps OpenAI roles and content parts and ends with an empty model turn (catches a dropped system prompt)', () => {
    const history = toChatHistory([
      { role: 'system', content: 'sys' },
      { role: 'developer', content: 'dev' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' }
        ]
      },
      { role: 'assistant', content: 'ok' },
      { role: 'tool', content: '42', name: 'calc' }
    ])
    expect(history).toEqual([
      { type: 'system', text: 'sys' },
      { type: 'system', text: 'dev' },
      { type: 'user', text: 'ab' },
      { type: 'model', response: ['ok'] },
      { type: 'user', text: 'Tool result (calc): 42' },
      { type: 'model', response: [] }
    ])
  })
})

describe('validateParams', () => {
  it('rejects parameters the worker cannot use with bad_params (catches a worker crashing on a typo)', () => {
    expect(validateParams({ modelPath: 'm.gguf', gpuLayers: 'auto', parallel: 2 })).toMatchObject({
      modelPath: 'm.gguf'
    })
    for (const bad of [
      null,
      {},
      { modelPath: 'm', contextSize: 0 },
      { modelPath: 'm', gpuLayers: 'max' },
      { modelPath: 'm', threads: 1.5 },
      { modelPath: 'm', gpu: 'rocm' }
    ]) {
      expect(() => validateParams(bad)).toThrow(WorkerFailure)
    }
  })
})

describe('kvCacheBytesPerToken', () => {
  it('computes the f16 KV cache per token from the GGUF metadata (catches a lower bound that is not a lower bound)', async () => {
    const info = await readGgufFileInfo(modelPath)
    // 2 layers × 2 KV heads × (16 + 16) dims × 2 bytes.
    expect(kvCacheBytesPerToken(info)).toBe(2 * 2 * 32 * 2)
  })
})

describe('LlamaModelServer in process', () => {
  it('answers /health with loading before the model is loaded, then ok (catches health lying during a load)', async () => {
    const server = new LlamaModelServer(
      { modelPath, gpu: false, contextSize: 256 },
      { log: () => undefined }
    )
    try {
      const port = await server.listen(0)
      const before = await getJson<HealthBody>(`http://127.0.0.1:${port}/health`)
      expect(before).toMatchObject({ status: 'loading', model: 'tiny', gpu: null })
      const ready = await server.load(port)
      expect(ready).toMatchObject({
        type: 'ready',
        port,
        gpu: false,
        gpuLayers: 0,
        threads: 1,
        parallel: 1
      })
      expect(ready.contextSize).toBeGreaterThanOrEqual(256)
      const after = await getJson<HealthBody>(`http://127.0.0.1:${port}/health`)
      expect(after).toMatchObject({
        status: 'ok',
        gpu: false,
        gpuLayers: 0,
        contextSize: ready.contextSize,
        threads: 1
      })
      expect(after.memory.ramBytes).toBeGreaterThan(0)
    } finally {
      await server.close()
    }
  })

  it('keeps one slot per router prefix with parallel sequences, so alternating routers both reuse their state (catches slots evicting each other)', async () => {
    const evaluated: number[] = []
    const server = new LlamaModelServer(
      { modelPath, gpu: false, contextSize: 1024, parallel: 2 },
      { log: () => undefined, onRequest: (m) => evaluated.push(m.evaluatedTokens) }
    )
    try {
      const port = await server.listen(0)
      await server.load(port)
      const system = (topic: string): string => `You route ${topic} requests. `.repeat(12)
      const ask = (topic: string, text: string) =>
        postJson<{
          usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } }
        }>(`http://127.0.0.1:${port}/v1/chat/completions`, {
          model: 'tiny',
          messages: [
            { role: 'system', content: system(topic) },
            { role: 'user', content: text }
          ],
          max_tokens: 2,
          temperature: 0
        })
      await ask('billing', 'first')
      await ask('shipping', 'first')
      const billing = await ask('billing', 'second')
      const shipping = await ask('shipping', 'second')
      for (const r of [billing, shipping]) {
        expect(r.usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(
          r.usage.prompt_tokens * 0.8
        )
      }
      expect(evaluated.slice(2).every((n) => n < 30)).toBe(true)
      expect((await getJson<HealthBody>(`http://127.0.0.1:${port}/health`)).slots).toEqual({
        busy: 0,
        total: 2,
        queued: 0
      })
    } finally {
      await server.close()
    }
  })

  it('honours sampler settings and more than 4 stop strings, and refuses a field it cannot use by name (fails if a field is dropped silently)', async () => {
    const server = new LlamaModelServer(
      { modelPath, gpu: false, contextSize: 256 },
      { log: () => undefined }
    )
    try {
      const port = await server.listen(0)
      await server.load(port)
      const url = `http://127.0.0.1:${port}/v1/chat/completions`
      const send = (extra: Record<string, unknown>) =>
        rawRequest(url, {
          method: 'POST',
          path: url,
          headers: JSON_HEADERS,
          body: JSON.stringify({
            model: 'tiny',
            messages: [{ role: 'user', content: 'hi' }],
            max_tokens: 2,
            ...extra
          })
        })
      const ok = await send({
        top_k: 20,
        min_p: 0.05,
        repeat_penalty: 1.1,
        stop: ['a', 'b', 'c', 'd', 'e'],
        user: 'u1',
        tools: []
      })
      expect(ok.status, ok.text).toBe(200)
      for (const [field, value] of [
        ['logprobs', true],
        ['tools', [{ type: 'function', function: { name: 'f' } }]],
        ['logit_bias', { 1: -100 }]
      ] as const) {
        const refused = await send({ [field]: value })
        expect(refused.status).toBe(400)
        expect(refused.json()).toMatchObject({
          error: { code: 'unsupported_parameter', param: field }
        })
      }
    } finally {
      await server.close()
    }
  })
})
