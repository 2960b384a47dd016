/**
 * The fast Ajv check and the zod contract must agree on every body: if Ajv accepted a body zod
 * rejects, an invalid request would reach the engine; the other way round only costs time, but
 * would still hide a drift between the two. Seeded random bodies mix valid and invalid values of
 * every field the schema knows, plus unknown fields.
 */
import { describe, expect, it } from 'vitest'
import { ChatCompletionRequestSchema } from '../../../shared/openai/chat'
import { AppError } from '../errors'
import { mulberry32 } from '../random'
import { acceptsChatRequest, parseChatRequest } from './request-body'

const ODD = [null, true, 0, -1, 1.5, '', 'x', [], {}, [1], { a: 1 }, 2.5, 1e20]
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T

const FIELDS: Record<string, readonly unknown[]> = {
  model: ['m', 'dual-expert', '', 'é'],
  stream: [true, false],
  stream_options: [
    { include_usage: true },
    { include_usage: false, x: 1 },
    null,
    { include_usage: 'yes' }
  ],
  temperature: [0, 0.7, 2, 2.01, -0.1, null],
  top_p: [0, 0.5, 1, 1.1, null],
  max_tokens: [1, 256, 0, -3, 1.5, null, 2 ** 53],
  max_completion_tokens: [1, 64, 0, null],
  stop: ['\n', ['a', 'b'], ['a', 'b', 'c', 'd', 'e'], [1], null],
  seed: [0, -5, 42, 4.2, null, 2 ** 53],
  response_format: [{ type: 'json_object' }, { type: 'json_schema', json_schema: {} }, {}, null],
  tools: [[], [{ type: 'function' }], {}],
  tool_choice: ['auto', { type: 'function' }, null],
  n: [1, 2, 0, null],
  user: ['u-1', 5, null],
  presence_penalty: [0.5, 'anything'],
  metadata: [{ any: 'thing' }, { n: 1 }, null, 'x'],
  reasoning_effort: ['high', 'minimal', null, 3],
  logprobs: [true, false, null, 'yes'],
  top_logprobs: [0, 5, 20, -1, 2.5, null],
  parallel_tool_calls: [true, false, null, 1],
  functions: [[{ name: 'f' }], [], null, {}],
  function_call: ['auto', { name: 'f' }, null],
  top_k: [40, 'any']
}

function message(r: () => number): unknown {
  if (r() < 0.05) return pick(r, ODD)
  const m: Record<string, unknown> = {
    role: pick(r, ['system', 'developer', 'user', 'assistant', 'tool', 'function', 'bot', 1])
  }
  if (r() < 0.05) delete m.role
  if (r() < 0.9)
    m.content = pick(r, [
      'hello',
      '',
      null,
      [{ type: 'text', text: 'hi' }],
      [{ type: 'image_url', image_url: { url: 'x' } }],
      [{ text: 'no type' }],
      [{ type: 'text', text: 3 }],
      42
    ])
  if (r() < 0.2) m.name = pick(r, ['n', 1])
  if (r() < 0.1) m.tool_calls = pick(r, [[], [{ id: 'c' }], 'x'])
  if (r() < 0.1) m.tool_call_id = pick(r, ['c1', null])
  if (r() < 0.1) m.extra = pick(r, ODD)
  return m
}

function body(r: () => number): unknown {
  if (r() < 0.02) return pick(r, ODD)
  const b: Record<string, unknown> = {}
  if (r() < 0.97) b.model = pick(r, FIELDS.model as unknown[])
  if (r() < 0.97) {
    b.messages =
      r() < 0.05
        ? pick(r, [[], 'hi', null, {}])
        : Array.from({ length: 1 + Math.floor(r() * 3) }, () => message(r))
  }
  for (const [k, values] of Object.entries(FIELDS)) {
    if (k === 'model') continue
    if (r() < 0.1) b[k] = r() < 0.85 ? pick(r, values) : pick(r, ODD)
  }
  return b
}

describe('chat request validation', () => {
  it('Ajv and zod agree on 20,000 seeded random bodies, valid and invalid (fails if the fast check drifts from the contract)', () => {
    const r = mulberry32(20261122)
    let accepted = 0
    const disagreements: unknown[] = []
    for (let i = 0; i < 20_000; i++) {
      const b = JSON.parse(JSON.stringify(body(r)) ?? 'null') as unknown
      const fast = acceptsChatRequest(b)
      const zod = ChatCompletionRequestSchema.safeParse(b).success
      if (fast !== zod) disagreements.push(b)
      if (zod) accepted++
    }
    expect(disagreements.slice(0, 3)).toEqual([])
    // Both outcomes are exercised in quantity.
    expect(accepted).toBeGreaterThan(1_000)
    expect(accepted).toBeLessThan(19_000)
  })

  it('an accepted body is returned as is, with unknown fields kept (fails if pass-through fields are dropped)', () => {
    const b = { model: 'm', messages: [{ role: 'user', content: 'hi', x: 1 }], logit_bias: {} }
    expect(parseChatRequest(b)).toBe(b)
  })

  it('a rejected body is an invalid_request naming every bad field (fails if errors are vague)', () => {
    let err: unknown
    try {
      parseChatRequest({ model: '', messages: [{ role: 'bot' }], temperature: 3 })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(AppError)
    const e = err as AppError
    expect(e.code).toBe('invalid_request')
    expect(e.options.param).toBe('model')
    expect(e.message).toContain('messages[0].role')
    expect(e.message).toContain('temperature')
  })
})
