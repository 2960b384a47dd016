/**
 * Routing decisions on the worker with the generated GGUF (real llama.cpp inference): the router's
 * prefix is reused whatever the user's text and the traffic between decisions, a decision samples
 * at most 8 tokens and always names a candidate, and streaming does not change the answer.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { choiceSchema } from '../providers/provider'
import { rawRequest } from '../../../../tests/support/harness'
import { alternationGbnf, choiceOf } from './grammars'
import { commonPrefix } from './choice'
import { LlamaModelServer } from './llama-server'
import { chooseSlot } from './slots'
import { writeTinyGguf } from './tiny-gguf'
import { TextCoalescer } from './worker-http'

interface Completion {
  choices: { message: { content: string } }[]
  usage: {
    prompt_tokens: number
    completion_tokens: number
    prompt_tokens_details: { cached_tokens: number }
    completion_tokens_details: { sampled_tokens: number }
  }
}

let dir: string
let modelPath: string
let llama: Llama
let model: LlamaModel
let server: LlamaModelServer
let url: string

const SYSTEM = 'You are a request router. Choose the handler for the request. '.repeat(4)
const NAMES = ['code', 'code-review', 'chat', 'docs']

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmnet-choice-'))
  modelPath = (await writeTinyGguf(join(dir, 'tiny.gguf'), { seed: 5 })).path
  llama = await getLlama({ gpu: false, build: 'never' })
  model = await llama.loadModel({ modelPath })
  server = new LlamaModelServer(
    { modelPath, gpu: false, contextSize: 2048, parallel: 2 },
    { log: () => undefined }
  )
  const port = await server.listen(0)
  await server.load(port)
  url = `http://127.0.0.1:${port}/v1/chat/completions`
}, 60_000)

afterAll(async () => {
  await server?.close()
  await model?.dispose()
  await llama?.dispose()
  await rm(dir, { recursive: true, force: true })
})

async function post(body: Record<string, unknown>): Promise<Completion> {
  const res = await rawRequest(url, {
    method: 'POST',
    path: url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', ...body })
  })
  expect(res.status).toBe(200)
  return res.json() as Completion
}

function decision(text: string, extra: Record<string, unknown> = {}): Promise<Completion> {
  return post({
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: text }
    ],
    temperature: 0,
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'route', strict: true, schema: choiceSchema(NAMES) }
    },
    ...extra
  })
}

/** Prompt tokens after the user's text: the end of the user turn and the model turn's opening. */
function closingTokens(): number {
  return model.tokenize('<|im_end|>\n<|im_start|>assistant\n', true).length
}

/** Tokens a decision on `text` has that the router's constant prefix does not. */
async function newTokens(prompt: number): Promise<number> {
  const empty = await decision('')
  return prompt - (empty.usage.prompt_tokens - closingTokens())
}

const long = (seed: string): string =>
  `${seed} ${'the quick brown fox jumps over the lazy dog and then asks about the weather '.repeat(12)}`

describe('routing decisions on the llama.cpp worker', () => {
  it('evaluates only the new tokens of a later decision, however long its user text (catches the half-the-prompt reuse rule)', async () => {
    await decision('first request')
    const later = await decision(long('Zebra'))
    const evaluated = later.usage.prompt_tokens - later.usage.prompt_tokens_details.cached_tokens
    expect(later.usage.prompt_tokens).toBeGreaterThan(600)
    expect(evaluated).toBeLessThanOrEqual((await newTokens(later.usage.prompt_tokens)) + 8)
  })

  it('keeps the router prefix while other long requests use the model in between (catches eviction of the biggest-is-kept policy)', async () => {
    await decision('Aardvark question')
    for (const topic of ['Xylophone', 'Yak', 'Walrus']) {
      await post({
        messages: [{ role: 'user', content: long(topic) }],
        max_tokens: 4,
        temperature: 0
      })
    }
    const later = await decision(long('Quokka'))
    const evaluated = later.usage.prompt_tokens - later.usage.prompt_tokens_details.cached_tokens
    expect(evaluated).toBeLessThanOrEqual((await newTokens(later.usage.prompt_tokens)) + 8)
  })

  it('a decision that arrives while the router slot is busy waits for it instead of evaluating its whole prompt elsewhere (catches concurrent decisions losing the prefix)', async () => {
    const both = await Promise.all([decision(long('Ibex')), decision(long('Jackal'))])
    for (const d of both) {
      const evaluated = d.usage.prompt_tokens - d.usage.prompt_tokens_details.cached_tokens
      expect(evaluated).toBeLessThanOrEqual((await newTokens(d.usage.prompt_tokens)) + 8)
    }
  })

  it('samples at most 8 tokens and always names a candidate, even names that share a prefix (catches a sampled JSON wrapper)', async () => {
    const picked = new Set<string>()
    for (let seed = 1; seed <= 12; seed++) {
      const res = await decision(`request number ${seed}`, { temperature: 1.5, seed })
      const content = res.choices[0]?.message.content ?? ''
      const route = (JSON.parse(content) as { route: string }).route
      expect(NAMES).toContain(route)
      expect(content).toBe(JSON.stringify({ route }))
      expect(res.usage.completion_tokens_details.sampled_tokens).toBeLessThanOrEqual(8)
      expect(res.usage.completion_tokens_details.sampled_tokens).toBeGreaterThan(0)
      picked.add(route)
    }
    // With temperature 1.5 and 12 seeds, the model does not always pick the same name.
    expect(picked.size).toBeGreaterThan(1)
  })

  it('decides between two names where one is a prefix of the other (catches a grammar that cannot end after "code")', async () => {
    const names = ['code', 'code-review']
    const seen = new Set<string>()
    for (let seed = 1; seed <= 10; seed++) {
      const res = await post({
        messages: [{ role: 'user', content: `which one ${seed}` }],
        temperature: 2,
        seed,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'route', schema: choiceSchema(names) }
        }
      })
      const route = (JSON.parse(res.choices[0]?.message.content ?? '') as { route: string }).route
      expect(names).toContain(route)
      // "code" is appended without sampling; only the end-or-"-" choice is sampled.
      expect(res.usage.completion_tokens_details.sampled_tokens).toBe(1)
      seen.add(route)
    }
    expect(seen.size).toBe(2)
  })

  it('streams the same text as the unstreamed answer for the same seed (catches chunks lost or rebuilt wrongly)', async () => {
    const body = {
      messages: [{ role: 'user', content: 'Tell me a story about "quotes" and \\ slashes' }],
      max_tokens: 40,
      temperature: 0.9,
      seed: 42
    }
    const plain = (await post(body)).choices[0]?.message.content
    const res = await rawRequest(url, {
      method: 'POST',
      path: url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny', ...body, stream: true })
    })
    let streamed = ''
    for (const line of res.text.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue
      const chunk = JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] }
      streamed += chunk.choices[0]?.delta.content ?? ''
    }
    expect(plain).toBeTruthy()
    expect(streamed).toBe(plain)
  })
})

describe('chooseSlot', () => {
  const view = (shared: number, size: number, lastUsed: number, router = false) => ({
    shared,
    size,
    lastUsed,
    router
  })
  it('takes the longest shared prefix even when the rest of the prompt is longer (catches the half-the-prompt rule)', () => {
    expect(chooseSlot([view(3, 900, 5), view(200, 260, 1, true)], 1000)).toBe(1)
  })
  it('evicts an empty slot, then the least recently used non-router slot, then a router slot (catches LRU evicting the router)', () => {
    expect(chooseSlot([view(3, 300, 1, true), view(3, 0, 0)], 800)).toBe(1)
    expect(chooseSlot([view(3, 300, 1, true), view(3, 900, 4), view(3, 50, 3)], 800)).toBe(2)
    expect(chooseSlot([view(3, 300, 5, true), view(3, 300, 2, true)], 800)).toBe(1)
  })
  it('does not count a few template tokens as reuse (catches answers evicting the router for 3 shared tokens)', () => {
    expect(chooseSlot([view(5, 300, 9, true), view(0, 900, 1)], 800)).toBe(1)
  })
})

describe('TextCoalescer', () => {
  it('writes the first piece at once and merges the pieces that follow within the interval (catches one write per token)', () => {
    const writes: string[] = []
    const c = new TextCoalescer((t) => writes.push(t), 60_000)
    c.push('a')
    c.push('b')
    c.push('')
    c.push('c')
    expect(writes).toEqual(['a'])
    c.flush()
    c.flush()
    expect(writes).toEqual(['a', 'bc'])
  })
})

describe('choice grammar helpers', () => {
  it('recognises only a one-property enum schema as a routing choice', () => {
    const rf = (schema: unknown) => ({
      messages: [],
      response_format: { type: 'json_schema' as const, json_schema: { name: 'x', schema } }
    })
    expect(choiceOf(rf(choiceSchema(['a', 'b'])) as never)).toEqual({
      property: 'route',
      options: ['a', 'b']
    })
    expect(choiceOf(rf({ type: 'object', properties: { a: {} } }) as never)).toBeUndefined()
    expect(choiceOf(rf(choiceSchema(['a', 'a'])) as never)).toBeUndefined()
    expect(choiceOf(rf(choiceSchema(['a', ''])) as never)).toBeUndefined()
  })
  it('builds alternations with escaped literals and an optional end', () => {
    expect(alternationGbnf(['', '-review'])).toBe('root ::= ( "-review" )?')
    expect(alternationGbnf(['a"b', 'c\\d'])).toBe('root ::= "a\\"b" | "c\\\\d"')
    expect(commonPrefix(['code-review', 'code', 'coder'])).toBe('code')
  })
})
