/**
 * What Claude Code and other Anthropic clients send reaches the pipeline, or is refused by name
 * in Anthropic's error shape: `system` messages mid-conversation, server tools, thinking,
 * `top_k`, structured output, `count_tokens`, unknown paths. Thinking comes back as Anthropic
 * `thinking` blocks (whole and streamed, with a signature), as the official SDK and the Vercel
 * `anthropic()` provider read them. A real runtime (port 0) with a fake OpenAI upstream.
 */
import { createAnthropic } from '@ai-sdk/anthropic'
import Anthropic from '@anthropic-ai/sdk'
import { generateObject, generateText, streamText } from 'ai'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defaultResponder, type FakeUpstream, type RecordedRequest } from '../support/fake-openai'
import { isRouterCall, type RawResponse, rawRequest, type Served } from '../support/harness'
import { toolResponder } from './tool-responder'
import { serveClients } from './serve-clients'

const KEY = 'test-key-fidelity'
const suite = serveClients({ responder: toolResponder, apiKey: KEY })
let up: FakeUpstream
let served: Served
let client: Anthropic

beforeAll(() => {
  ;({ up, served } = suite)
  client = new Anthropic({ baseURL: served.url, apiKey: KEY, maxRetries: 0 })
})

function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {}
): Promise<RawResponse> {
  return rawRequest(served.url, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', 'x-api-key': KEY, ...headers },
    body: JSON.stringify(body)
  })
}

/** The last request the answering node got (not a router's). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON
function answering(): any {
  const router = (r: RecordedRequest): boolean => {
    const first = r.body?.messages?.[0]?.content
    return typeof first === 'string' && isRouterCall(r)
  }
  return up.requests.filter((r) => !router(r)).at(-1)?.body
}

const user = (text: string): Anthropic.MessageParam => ({ role: 'user', content: text })

describe('system messages in `messages` (what Claude Code sends)', () => {
  it('are merged, in order, into the one leading system prompt on every pipeline', async () => {
    for (const model of ['basic', 'router', 'layered']) {
      const res = await post('/v1/messages', {
        model,
        max_tokens: 32,
        system: [{ type: 'text', text: 'Top prompt.' }],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'first' }] },
          {
            role: 'system',
            content: [
              { type: 'text', text: 'Environment: linux.', cache_control: { type: 'ephemeral' } }
            ]
          },
          { role: 'user', content: 'second' }
        ]
      })
      expect(res.status, res.text).toBe(200)
      const sent = answering().messages as { role: string; content: string }[]
      // The client's prompt is one system message; no system message follows a turn (a node's
      // own context, the reviewer's, comes as another one before it).
      const firstTurn = sent.findIndex((m) => m.role !== 'system')
      expect(sent.slice(firstTurn).every((m) => m.role !== 'system')).toBe(true)
      const mine = sent.filter((m) => m.role === 'system' && m.content.includes('Top prompt.'))
      expect(mine, `${model}: ${JSON.stringify(sent)}`).toHaveLength(1)
      expect(mine[0]?.content).toBe('Top prompt.\n\nEnvironment: linux.')
      expect(sent.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
        'first',
        'second'
      ])
    }
  })

  it('another role is refused in Anthropic wording, which Claude Code recognises', async () => {
    const res = await post('/v1/messages', {
      model: 'basic',
      max_tokens: 8,
      messages: [user('x'), { role: 'tool', content: 'y' }]
    })
    expect(res.status).toBe(400)
    const body = res.json()
    expect(body.type).toBe('error')
    expect(body.error.type).toBe('invalid_request_error')
    expect(body.error.message).toContain('messages[1].role')
    expect(body.error.message).toContain('Unexpected role')
    expect(body.error.message).toContain('input message role')
  })
})

describe('fields: forwarded, or refused by name', () => {
  it('top_k, thinking (as reasoning_effort), output_config.format (as response_format) reach the answering node', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }
    const res = await post('/v1/messages', {
      model: 'router',
      max_tokens: 2048,
      top_k: 20,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      output_config: { format: { type: 'json_schema', schema } },
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      tools: [{ name: 'lookup', description: 'Looks up', input_schema: { type: 'object' } }],
      metadata: { user_id: 'u1' },
      service_tier: 'auto',
      messages: [user('a city as JSON')]
    })
    expect(res.status, res.text).toBe(200)
    const body = answering()
    expect(body.top_k).toBe(20)
    expect(body.reasoning_effort).toBe('low')
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema, strict: true }
    })
    expect(body.parallel_tool_calls).toBe(false)
    // Advisory fields describe the request and are not sent.
    expect(body.metadata).toBeUndefined()
    expect(body.service_tier).toBeUndefined()
  })

  it('an effort level sets the reasoning level of enabled thinking; adaptive thinking sends none', async () => {
    await post('/v1/messages', {
      model: 'basic',
      max_tokens: 64,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      output_config: { effort: 'high' },
      messages: [user('hi')]
    })
    expect(answering().reasoning_effort).toBe('high')
    const res = await post('/v1/messages', {
      model: 'basic',
      max_tokens: 64,
      thinking: { type: 'adaptive', display: 'omitted' },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      output_config: { effort: 'high' },
      messages: [user('hi')]
    })
    expect(res.status, res.text).toBe(200)
    expect(answering().reasoning_effort).toBeUndefined()
  })

  it.each([
    [{ container: 'c1' }, 'container'],
    [{ mcp_servers: [{ type: 'url', url: 'http://x', name: 'x' }] }, 'mcp_servers'],
    [{ frobnicate: true }, 'frobnicate'],
    [
      { context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] } },
      'context_management.edits[0].type'
    ],
    [{ tools: [{ name: 'f', description: 'no schema' }] }, 'tools[0].input_schema'],
    [{ messages: [{ role: 'user', content: [] }] }, 'messages'],
    [{ messages: [{ role: 'system', content: 'only a system prompt' }] }, 'messages']
  ])('%j is a 400 naming %s', async (extra, name) => {
    const res = await post('/v1/messages', {
      model: 'basic',
      max_tokens: 8,
      messages: [user('x')],
      ...extra
    })
    expect(res.status).toBe(400)
    expect(res.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining(name) }
    })
    expect(up.requests).toHaveLength(0)
  })

  it('a tool_use input sent as a JSON string is a 400 naming its path', async () => {
    const res = await post('/v1/messages', {
      model: 'basic',
      max_tokens: 8,
      messages: [
        user('weather?'),
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: '{"city":"Paris"}' }]
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'sunny' }] }
      ]
    })
    expect(res.status).toBe(400)
    expect(res.json().error.message).toContain('messages[1].content[0].input')
  })

  it('an upstream refusal of a mapped field names the Messages field too', async () => {
    up.setResponder(() => ({
      status: 400,
      error: 'response_format is not supported by this model',
      errorParam: 'response_format',
      errorType: 'invalid_request_error'
    }))
    const res = await post('/v1/messages', {
      model: 'basic',
      max_tokens: 8,
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      messages: [user('x')]
    })
    expect(res.status).toBe(400)
    expect(res.json().error.message).toContain('output_config.format')
  })

  it('images reach the model as image parts', async () => {
    const res = await post('/v1/messages', {
      model: 'basic',
      max_tokens: 8,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } }
          ]
        }
      ]
    })
    expect(res.status, res.text).toBe(200)
    expect(answering().messages.at(-1).content).toEqual([
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBO' } }
    ])
  })
})

describe('server tools', () => {
  it('are dropped from what the model sees, and the answer names them once in a header', async () => {
    const tools = [
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
      { type: 'bash_20250124', name: 'bash' },
      {
        name: 'get_weather',
        description: 'The weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } }
      },
      {
        name: 'Deferred',
        description: 'later',
        input_schema: { type: 'object' },
        defer_loading: true
      }
    ]
    for (const stream of [false, true]) {
      const res = await post('/v1/messages', {
        model: 'layered',
        max_tokens: 64,
        stream,
        tools,
        messages: [user('weather?')]
      })
      expect(res.status, res.text).toBe(200)
      expect(res.headers['x-llmnet-dropped-tools']).toBe('web_search, bash')
      expect(
        (answering().tools as { function: { name: string } }[]).map((t) => t.function.name)
      ).toEqual(['get_weather'])
    }
  })
})

describe('structured output through the Vercel anthropic() provider', () => {
  const city = z.object({ city: z.string() })
  beforeEach(() => {
    // A JSON answer for a client's schema (routers still get their route), or the `json` tool
    // called when it is forced (the provider's jsonTool mode).
    up.setResponder((req, i) => {
      const body = req.body ?? {}
      const schema = body.response_format?.json_schema?.schema
      if (schema?.properties?.route) return defaultResponder(req, i)
      if (schema) return { content: '{"city":"Paris"}' }
      if (body.tool_choice?.function?.name === 'json')
        return {
          toolCalls: [
            {
              index: 0,
              id: 'call_json',
              type: 'function',
              function: { name: 'json', arguments: '{"city":"Lyon"}' }
            }
          ]
        }
      return defaultResponder(req, i)
    })
  })

  it('generateObject with output_config.format reaches the answering node as response_format', async () => {
    const anthropic = createAnthropic({ baseURL: `${served.url}/v1`, apiKey: KEY })
    const { object } = await generateObject({
      model: anthropic('router'),
      schema: city,
      prompt: 'a city',
      providerOptions: { anthropic: { structuredOutputMode: 'outputFormat' } }
    })
    expect(object).toEqual({ city: 'Paris' })
    expect(answering().response_format.json_schema.schema.properties.city).toEqual({
      type: 'string'
    })
  })

  it('generateObject in the provider’s default mode (a forced json tool) works too', async () => {
    const anthropic = createAnthropic({ baseURL: `${served.url}/v1`, apiKey: KEY })
    const { object } = await generateObject({
      model: anthropic('layered'),
      schema: city,
      prompt: 'a city'
    })
    expect(object).toEqual({ city: 'Lyon' })
  })
})

describe('tools that change mid-conversation (tool search, Claude Code tool changes)', () => {
  const schema = { type: 'object', properties: {} }
  it('a deferred tool is offered once a tool search result references it', async () => {
    const tools = [
      { name: 'ToolSearch', description: 'finds tools', input_schema: schema },
      { name: 'mcp__db__query', description: 'queries', input_schema: schema, defer_loading: true },
      { name: 'mcp__db__drop', description: 'drops', input_schema: schema, defer_loading: true }
    ]
    const names = (): string[] =>
      (answering().tools as { function: { name: string } }[]).map((t) => t.function.name)
    await post('/v1/messages', { model: 'basic', max_tokens: 8, tools, messages: [user('db?')] })
    expect(names()).toEqual(['ToolSearch'])
    const res = await post('/v1/messages', {
      model: 'basic',
      max_tokens: 8,
      tools,
      messages: [
        user('db?'),
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't1', name: 'ToolSearch', input: { query: 'db' } }]
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't1',
              content: [{ type: 'tool_reference', tool_name: 'mcp__db__query' }]
            }
          ]
        }
      ]
    })
    expect(res.status, res.text).toBe(200)
    expect(names()).toEqual(['ToolSearch', 'mcp__db__query'])
    const result = (answering().messages as { role: string; content: string }[]).find(
      (m) => m.role === 'tool'
    )
    expect(result?.content).toBe('Tool loaded: mcp__db__query')
  })

  it('tool_addition and tool_removal in a system message change the offered tools', async () => {
    const res = await post('/v1/messages', {
      model: 'router',
      max_tokens: 8,
      tools: [{ name: 'Read', description: 'reads', input_schema: schema }],
      messages: [
        user('hi'),
        {
          role: 'system',
          content: [
            {
              type: 'tool_addition',
              tool: {
                type: 'tool_definition',
                definition: { name: 'Fetch', description: 'fetches', input_schema: schema }
              }
            },
            { type: 'tool_removal', tool: { type: 'tool_reference', name: 'Read' } }
          ]
        }
      ]
    })
    expect(res.status, res.text).toBe(200)
    const body = answering()
    expect((body.tools as { function: { name: string } }[]).map((t) => t.function.name)).toEqual([
      'Fetch'
    ])
    expect((body.messages as { role: string }[]).map((m) => m.role)).toEqual(['user'])
  })
})

describe('thinking comes back as thinking blocks', () => {
  beforeEach(() => {
    up.setResponder((req, i) => ({
      ...(defaultResponder(req, i) as object),
      reasoningContent: 'Let me think about it.'
    }))
  })

  it('messages.create: a thinking block with a signature before the text', async () => {
    const msg = await client.messages.create({
      model: 'basic',
      max_tokens: 64,
      messages: [user('ponder')]
    })
    expect(msg.content[0]).toMatchObject({
      type: 'thinking',
      thinking: 'Let me think about it.',
      signature: expect.stringMatching(/^llmnet\./)
    })
    expect(msg.content[1]).toEqual({ type: 'text', text: 'assistant says: ponder' })
  })

  it('messages.stream: thinking_delta and signature_delta events, then the text', async () => {
    const stream = client.messages.stream({
      model: 'router',
      max_tokens: 64,
      messages: [user('ponder')]
    })
    let thinking = ''
    let signature = ''
    stream.on('thinking', (d) => {
      thinking += d
    })
    stream.on('signature', (s) => {
      signature = s
    })
    const final = await stream.finalMessage()
    expect(thinking).toBe('Let me think about it.')
    expect(signature).toMatch(/^llmnet\./)
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text'])
  })

  it('display "omitted" keeps the block and its signature but not the text; disabled drops it', async () => {
    const omitted = await post('/v1/messages', {
      model: 'basic',
      max_tokens: 64,
      thinking: { type: 'adaptive', display: 'omitted' },
      messages: [user('ponder')]
    })
    expect(omitted.json().content[0]).toMatchObject({ type: 'thinking', thinking: '' })
    const disabled = await post('/v1/messages', {
      model: 'basic',
      max_tokens: 64,
      thinking: { type: 'disabled' },
      messages: [user('ponder')]
    })
    expect(disabled.json().content.map((b: { type: string }) => b.type)).toEqual(['text'])
  })

  it('the Vercel anthropic() provider shows reasoningText, whole and streamed', async () => {
    const anthropic = createAnthropic({ baseURL: `${served.url}/v1`, apiKey: KEY })
    const whole = await generateText({ model: anthropic('layered'), prompt: 'ponder' })
    expect(whole.reasoningText).toBe('Let me think about it.')
    expect(whole.text).toBe('reviewer says: ponder')
    const streamed = streamText({ model: anthropic('basic'), prompt: 'ponder' })
    expect(await streamed.reasoningText).toBe('Let me think about it.')
    expect(await streamed.text).toBe('assistant says: ponder')
  })
})

describe('count_tokens, unknown paths, HEAD /', () => {
  it('count_tokens answers an estimate of the input tokens', async () => {
    const small = await client.messages.countTokens({ model: 'basic', messages: [user('hi')] })
    const big = await client.messages.countTokens({
      model: 'basic',
      system: 'x'.repeat(400),
      messages: [user('hi')]
    })
    expect(small.input_tokens).toBeGreaterThan(0)
    expect(big.input_tokens - small.input_tokens).toBe(100)
    const missing = await client.messages
      .countTokens({ model: 'nope', messages: [user('hi')] })
      .catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError)
  })

  it('an unknown path under /v1/messages is a 404 in Anthropic shape', async () => {
    const res = await post('/v1/messages/batches', { requests: [] })
    expect(res.status).toBe(404)
    expect(res.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } })
    const get = await rawRequest(served.url, {
      path: '/v1/messages',
      headers: { 'x-api-key': KEY }
    })
    expect(get.status).toBe(404)
    expect(get.json().type).toBe('error')
  })

  it('a wrong key under /v1/messages/* is an Anthropic authentication_error', async () => {
    for (const path of ['/v1/messages/count_tokens', '/v1/messages/batches']) {
      const res = await post(path, { model: 'basic', messages: [user('x')] }, { 'x-api-key': 'no' })
      expect(res.status, path).toBe(401)
      expect(res.json(), path).toMatchObject({
        type: 'error',
        error: { type: 'authentication_error' }
      })
    }
  })

  it('HEAD / answers 200 without a key', async () => {
    const res = await rawRequest(served.url, { method: 'HEAD', path: '/' })
    expect(res.status).toBe(200)
  })
})
