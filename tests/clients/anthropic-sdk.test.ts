/**
 * The official Anthropic SDK against a real runtime (port 0) with a fake OpenAI upstream:
 * messages.create and messages.stream over 1-0-1, router and multi-layer pipelines, the system
 * prompt, a tool_use round trip, `x-api-key` auth, and errors in Anthropic's shape.
 */
import Anthropic from '@anthropic-ai/sdk'
import { beforeAll, describe, expect, it } from 'vitest'
import { type FakeUpstream } from '../support/fake-openai'
import { isRouterCall, rawRequest, type Served } from '../support/harness'
import { ANSWERER, PIPELINES } from './compositions'
import { toolResponder } from './tool-responder'
import { serveClients } from './serve-clients'

const KEY = 'test-key-anthropic'
const suite = serveClients({ responder: toolResponder, apiKey: KEY })
let up: FakeUpstream
let served: Served
let client: Anthropic

beforeAll(() => {
  ;({ up, served } = suite)
  client = new Anthropic({ baseURL: served.url, apiKey: KEY, maxRetries: 0 })
})

const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }
}

describe.each(PIPELINES)('the Anthropic SDK on pipeline %s', (pipeline) => {
  const says = `${ANSWERER[pipeline]} says:`

  it('messages.create answers with a text block; the system prompt reaches the answering node', async () => {
    const msg = await client.messages.create({
      model: pipeline,
      max_tokens: 64,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'hello' }]
    })
    expect(msg.content).toEqual([{ type: 'text', text: `${says} hello` }])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage.input_tokens).toBeGreaterThan(0)
    const answer = up.requests.filter((r) => !isRouterCall(r)).at(-1)
    expect(JSON.stringify(answer?.body.messages)).toContain('You are terse.')
    expect(answer?.body.max_tokens).toBe(64)
  })

  it('messages.stream streams text deltas into the final message', async () => {
    const stream = client.messages.stream({
      model: pipeline,
      max_tokens: 64,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'stream please' }] }]
    })
    let text = ''
    stream.on('text', (delta) => {
      text += delta
    })
    const final = await stream.finalMessage()
    expect(text).toBe(`${says} stream please`)
    expect(final.content).toEqual([{ type: 'text', text: `${says} stream please` }])
    expect(final.stop_reason).toBe('end_turn')
  })
})

describe('the Anthropic SDK: tools, auth and errors', () => {
  it('a tool_use round trip: the call comes back, and its tool_result answers', async () => {
    const first = await client.messages.create({
      model: 'router',
      max_tokens: 64,
      tools: [weather],
      messages: [{ role: 'user', content: 'weather in Paris?' }]
    })
    expect(first.stop_reason).toBe('tool_use')
    const use = first.content.find((b) => b.type === 'tool_use')
    expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })
    if (use?.type !== 'tool_use') throw new Error('no tool_use block')
    // The upstream got the tools as function tools.
    expect(up.requests.at(-1)?.body.tools[0].function.name).toBe('get_weather')
    const second = await client.messages.create({
      model: 'router',
      max_tokens: 64,
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: use.id, content: 'foggy' }]
        }
      ]
    })
    expect(second.content).toEqual([{ type: 'text', text: 'The weather: foggy' }])
    const sent = up.requests.at(-1)?.body.messages as { role: string; tool_call_id?: string }[]
    expect(sent.find((m) => m.role === 'tool')?.tool_call_id).toBe(use.id)
  })

  it('messages.stream streams a tool_use block with its input JSON', async () => {
    const final = await client.messages
      .stream({
        model: 'layered',
        max_tokens: 64,
        tools: [weather],
        messages: [{ role: 'user', content: 'weather?' }]
      })
      .finalMessage()
    expect(final.stop_reason).toBe('tool_use')
    expect(final.content).toEqual([
      { type: 'tool_use', id: 'call_weather_1', name: 'get_weather', input: { city: 'Paris' } }
    ])
  })

  it('a wrong x-api-key is a 401 in Anthropic error shape', async () => {
    const bad = new Anthropic({ baseURL: served.url, apiKey: 'wrong', maxRetries: 0 })
    const err = await bad.messages
      .create({ model: 'basic', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError)
    expect((err as { error: unknown }).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' }
    })
  })

  it('x-api-key is accepted on the OpenAI routes too', async () => {
    const res = await rawRequest(served.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      body: JSON.stringify({ model: 'basic', messages: [{ role: 'user', content: 'k' }] })
    })
    expect(res.status).toBe(200)
  })

  it('an unknown model and a bad body are answered in Anthropic error shape, naming the field', async () => {
    const missing = await client.messages
      .create({ model: 'nope', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError)
    const res = await rawRequest(served.url, {
      method: 'POST',
      path: '/v1/messages',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      body: JSON.stringify({ model: 'basic', messages: [{ role: 'user', content: 'x' }] })
    })
    expect(res.status).toBe(400)
    expect(res.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') }
    })
  })
})
