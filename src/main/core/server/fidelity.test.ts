/**
 * OpenAI fidelity as the official `openai` SDK sees it, through a real runtime on port 0 and the
 * fake upstream: thinking (`reasoning_content`, `reasoning`) in JSON and SSE, every client field
 * reaching the answering node, log probabilities and `system_fingerprint` coming back, upstream
 * refusals keeping their status and code without retries, the SDK's stream helpers and
 * `runTools` through a transform hook, unique completion ids, and browser CORS.
 */
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  defaultResponder,
  type FakeUpstream,
  startFakeUpstream
} from '../../../../tests/support/fake-openai'
import { hookServer } from '../../../../tests/support/hook-server'
import {
  externalModel,
  type Json,
  rawRequest,
  serve,
  type Served,
  sseData
} from '../../../../tests/support/harness'
import type { RuntimeOptions } from '../../runtime'

const OUTPUT = { name: 'output', adapter: 'output' }

function proxy(url: string, node: Json = {}, extra: Json = {}): Json {
  return {
    models: { m: externalModel(url) },
    architecture: [
      {
        name: 'bot',
        layer: 0,
        model: 'm',
        adapter: 'openai-api',
        'output-to': ['output'],
        'extra-options': { model_override: 'up-model' },
        ...node
      },
      OUTPUT
    ],
    ...extra
  }
}

let up: FakeUpstream
const open: { close(): Promise<void> }[] = []

beforeAll(async () => {
  up = await startFakeUpstream()
})
afterAll(async () => {
  await up.close()
})
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close()
  up.requests.length = 0
  up.setResponder(defaultResponder)
})

async function server(compositions: Record<string, Json>, opts: RuntimeOptions = {}) {
  const s = await serve(compositions, opts)
  open.push(s)
  return s
}

const ask = [{ role: 'user' as const, content: 'why?' }]

/** The extra fields some servers add to OpenAI's types. */
type WithThinking = { reasoning_content?: string; reasoning?: string }

describe('thinking passes through', () => {
  it('reasoning_content and reasoning reach the client in the message (fails if they are dropped)', async () => {
    const s = await server({ p: proxy(up.url) })
    up.setResponder(() => ({ content: 'Because.', reasoningContent: 'Let me think.' }))
    const a = await s.client.chat.completions.create({ model: 'p', messages: ask })
    const msg = a.choices[0]?.message as WithThinking & { content: string | null }
    expect(msg.content).toBe('Because.')
    expect(msg.reasoning_content).toBe('Let me think.')

    up.setResponder(() => ({ content: 'Because.', reasoning: 'Thinking, vLLM style.' }))
    const b = await s.client.chat.completions.create({ model: 'p', messages: ask })
    expect((b.choices[0]?.message as WithThinking).reasoning).toBe('Thinking, vLLM style.')
  })

  it('streamed thinking arrives as reasoning_content deltas before the content (fails if the stream drops it)', async () => {
    const s = await server({ p: proxy(up.url) })
    up.setResponder(() => ({ content: 'It is blue.', reasoningContent: 'Rayleigh scattering...' }))
    const stream = await s.client.chat.completions.create({
      model: 'p',
      messages: ask,
      stream: true
    })
    let thinking = ''
    let content = ''
    let thinkingDoneBeforeContent = true
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta as (WithThinking & { content?: string }) | undefined
      if (d?.reasoning_content) {
        if (content) thinkingDoneBeforeContent = false
        thinking += d.reasoning_content
      }
      content += d?.content ?? ''
    }
    expect(thinking).toBe('Rayleigh scattering...')
    expect(content).toBe('It is blue.')
    expect(thinkingDoneBeforeContent).toBe(true)
  })
})

describe('nothing the client sent is dropped', () => {
  it('every field llmnet does not own reaches the answering node as sent (fails if any is dropped)', async () => {
    const s = await server({ p: proxy(up.url) })
    const sent = {
      reasoning_effort: 'high',
      logprobs: true,
      top_logprobs: 3,
      parallel_tool_calls: false,
      functions: [{ name: 'f', parameters: { type: 'object', properties: {} } }],
      function_call: 'auto',
      metadata: { team: 'a' },
      top_k: 40,
      min_p: 0.05,
      repeat_penalty: 1.1,
      typical_p: 0.9,
      mirostat: 2,
      logit_bias: { '50256': -100 },
      // An unknown field: forwarded too (the answering node decides).
      x_vendor_option: { deep: [1, 2] },
      stop: ['a', 'b', 'c', 'd', 'e', 'f']
    }
    await s.client.chat.completions.create({
      model: 'p',
      messages: ask,
      user: null,
      ...sent
    } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
    const body = up.requests[0]?.body
    expect(body).toMatchObject(sent)
    expect(body.model).toBe('up-model')
    expect('user' in body).toBe(false)
  })

  it('a legacy function_call answer comes back, in JSON and streamed (fails if it is dropped)', async () => {
    const s = await server({ p: proxy(up.url) })
    const call = { name: 'get_weather', arguments: '{"city":"Oslo"}' }
    up.setResponder(() => ({ functionCall: call }))
    const functions = [{ name: 'get_weather', parameters: { type: 'object', properties: {} } }]
    const a = await s.client.chat.completions.create({ model: 'p', messages: ask, functions })
    expect(a.choices[0]?.message.function_call).toEqual(call)
    expect(a.choices[0]?.finish_reason).toBe('function_call')

    const stream = await s.client.chat.completions.create({
      model: 'p',
      messages: ask,
      functions,
      stream: true
    })
    let name = ''
    let args = ''
    let finish: string | null | undefined
    for await (const chunk of stream) {
      name += chunk.choices[0]?.delta.function_call?.name ?? ''
      args += chunk.choices[0]?.delta.function_call?.arguments ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect({ name, arguments: args }).toEqual(call)
    expect(finish).toBe('function_call')
  })

  it('in a router pipeline, the fields go to the answering node only, and its thinking comes back (fails if a router gets them)', async () => {
    const s = await server({
      r: {
        models: { m: externalModel(up.url) },
        architecture: [
          { name: 'router', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': [1] },
          {
            name: 'a',
            layer: 1,
            model: 'm',
            adapter: 'openai-api',
            'use-case': 'A things',
            'output-to': ['output']
          },
          {
            name: 'b',
            layer: 1,
            model: 'm',
            adapter: 'openai-api',
            'use-case': 'B things',
            'output-to': ['output']
          },
          OUTPUT
        ]
      }
    })
    up.setResponder((req, i) =>
      i === 0 ? defaultResponder(req, i) : { content: 'answer', reasoningContent: 'thought' }
    )
    const res = await s.client.chat.completions.create({
      model: 'r',
      messages: ask,
      reasoning_effort: 'low',
      top_k: 5
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expect((res.choices[0]?.message as WithThinking).reasoning_content).toBe('thought')
    expect(up.requests).toHaveLength(2)
    expect(up.requests[0]?.body).not.toHaveProperty('reasoning_effort')
    expect(up.requests[0]?.body).not.toHaveProperty('top_k')
    expect(up.requests[1]?.body).toMatchObject({ reasoning_effort: 'low', top_k: 5 })
  })

  it('a value of the wrong type is refused with a 400 naming the field (fails if it is silently passed on)', async () => {
    const s = await server({ p: proxy(up.url) })
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'p', messages: ask, top_logprobs: 'three' })
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { param: 'top_logprobs' } })
    expect(up.requests).toHaveLength(0)
  })

  it('log probabilities come back, in JSON and joined across streamed chunks (fails if dropped)', async () => {
    const s = await server({ p: proxy(up.url) })
    const tokens = [
      { token: 'Hi ', logprob: -0.1, bytes: null, top_logprobs: [] },
      { token: 'there', logprob: -0.2, bytes: null, top_logprobs: [] }
    ]
    up.setResponder(() => ({ content: 'Hi there', logprobs: tokens }))
    const a = await s.client.chat.completions.create({ model: 'p', messages: ask, logprobs: true })
    expect(a.choices[0]?.logprobs?.content).toEqual(tokens)

    const stream = await s.client.chat.completions.create({
      model: 'p',
      messages: ask,
      logprobs: true,
      stream: true
    })
    const streamed: unknown[] = []
    for await (const chunk of stream) streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []))
    expect(streamed).toEqual(tokens)
  })
})

describe('response fidelity', () => {
  it('system_fingerprint and completion_tokens_details are passed on, JSON and SSE (fails if dropped)', async () => {
    const s = await server({ p: proxy(up.url) })
    const usage = {
      prompt_tokens: 7,
      completion_tokens: 9,
      total_tokens: 16,
      completion_tokens_details: { reasoning_tokens: 6 }
    }
    up.setResponder(() => ({ content: 'ok', systemFingerprint: 'fp_local1', usage }))
    const a = await s.client.chat.completions.create({ model: 'p', messages: ask })
    expect(a.system_fingerprint).toBe('fp_local1')
    expect(a.usage?.completion_tokens_details).toEqual({ reasoning_tokens: 6 })

    const stream = await s.client.chat.completions.create({
      model: 'p',
      messages: ask,
      stream: true,
      stream_options: { include_usage: true }
    })
    const fingerprints = new Set<string | undefined>()
    let details: unknown
    for await (const chunk of stream) {
      fingerprints.add(chunk.system_fingerprint)
      if (chunk.usage) details = chunk.usage.completion_tokens_details
    }
    expect([...fingerprints]).toEqual(['fp_local1'])
    expect(details).toEqual({ reasoning_tokens: 6 })
  })

  it('completion ids are unique when a client reuses x-request-id, which is still echoed (fails if ids repeat)', async () => {
    const s = await server({ p: proxy(up.url) })
    const ids = new Set<string>()
    for (const stream of [false, false, true]) {
      const res = await fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'same-id-1' },
        body: JSON.stringify({ model: 'p', messages: ask, stream })
      })
      expect(res.headers.get('x-request-id')).toBe('same-id-1')
      const text = await res.text()
      const id = stream
        ? (JSON.parse(sseData(text)[0] as string) as { id: string }).id
        : (JSON.parse(text) as { id: string }).id
      ids.add(id)
    }
    expect(ids.size).toBe(3)
  })

  it('without x-request-id, each answer gets its own id: the request id the server made (one UUID a request)', async () => {
    const s = await server({ p: proxy(up.url) })
    const ids = new Set<string>()
    for (const stream of [false, false, true, true]) {
      const res = await fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'p', messages: ask, stream })
      })
      const requestId = res.headers.get('x-request-id')
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
      const text = await res.text()
      const id = stream
        ? (JSON.parse(sseData(text)[0] as string) as { id: string }).id
        : (JSON.parse(text) as { id: string }).id
      expect(id).toBe(`chatcmpl-${requestId}`)
      ids.add(id)
    }
    expect(ids.size).toBe(4)
  })
})

const weatherCall = {
  id: 'call_w1',
  type: 'function',
  function: { name: 'get_weather', arguments: '{"city":"Oslo"}' }
}

/** Asks for the tool first; once a tool result is in the history, answers with it. */
function toolResponder(req: { body: { messages: { role: string; content: string }[] } }) {
  const last = req.body.messages.at(-1)
  if (last?.role === 'tool') return { content: `It is ${last.content} in Oslo.` }
  return { toolCalls: [weatherCall] }
}

describe("the SDK's stream helpers through a buffered final node (a transform hook)", () => {
  async function hooked(): Promise<Served> {
    const hooks = await hookServer((call) => ({
      body: { content: `[checked] ${call.body.output}` }
    }))
    open.push(hooks)
    return server({
      p: proxy(
        up.url,
        { hooks: { post: [{ function: 'check', mode: 'transform' }] } },
        {
          functions: {
            check: { type: 'rest', method: 'POST', url: hooks.url, body: { output: '$OUTPUT' } }
          }
        }
      )
    })
  }

  const weatherTool = {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } } }
    }
  }

  it('.stream() and finalChatCompletion() read the tool calls (fails if streamed tool calls lack index)', async () => {
    const s = await hooked()
    up.setResponder(toolResponder)
    const runner = s.client.chat.completions.stream({
      model: 'p',
      messages: [{ role: 'user', content: 'weather in Oslo?' }],
      tools: [weatherTool]
    })
    const final = await runner.finalChatCompletion()
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
    expect(final.choices[0]?.message.tool_calls).toMatchObject([
      { id: 'call_w1', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }
    ])
  })

  it('runTools() calls the tool and streams the transformed final answer (fails if the SDK helper crashes)', async () => {
    const s = await hooked()
    up.setResponder(toolResponder)
    const calls: unknown[] = []
    const runner = s.client.chat.completions.runTools({
      model: 'p',
      stream: true,
      messages: [{ role: 'user', content: 'weather in Oslo?' }],
      tools: [
        {
          type: 'function',
          function: {
            ...weatherTool.function,
            parse: JSON.parse,
            function: (args: unknown) => {
              calls.push(args)
              return 'sunny'
            }
          }
        }
      ]
    })
    expect(await runner.finalContent()).toBe('[checked] It is sunny in Oslo.')
    expect(calls).toEqual([{ city: 'Oslo' }])
  })
})

describe('upstream refusals keep their meaning', () => {
  it('a 400 context_length_exceeded reaches the client as 400 with code and param, after one upstream call (fails if it becomes a retried 502)', async () => {
    const s = await server({ p: proxy(up.url) })
    up.setResponder(() => ({
      status: 400,
      error: "This model's maximum context length is 4096 tokens",
      errorType: 'invalid_request_error',
      errorCode: 'context_length_exceeded',
      errorParam: 'messages'
    }))
    // The SDK retries 5xx twice: a 400 must not be retried by it, nor by llmnet.
    const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'x', maxRetries: 2 })
    const err = await client.chat.completions.create({ model: 'p', messages: ask }).catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err.status).toBe(400)
    expect(err.code).toBe('context_length_exceeded')
    expect(err.param).toBe('messages')
    expect(err.message).toContain('node "bot" (model "up-model")')
    expect(err.message).toContain('maximum context length is 4096')
    expect(up.requests).toHaveLength(1)

    const streamed = await client.chat.completions
      .create({ model: 'p', messages: ask, stream: true })
      .catch((e) => e)
    expect(streamed.status).toBe(400)
    expect(streamed.code).toBe('context_length_exceeded')
    expect(up.requests).toHaveLength(2)
  })

  it("llama-server's overflow (numeric code, exceed_context_size_error) becomes context_length_exceeded; other 4xx keep status and code", async () => {
    const s = await server({ p: proxy(up.url) })
    up.setResponder(() => ({
      status: 400,
      error: 'the request exceeds the available context size',
      errorType: 'exceed_context_size_error',
      errorCode: 400
    }))
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'p', messages: ask })
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({
      error: { code: 'context_length_exceeded', param: 'messages', type: 'invalid_request_error' }
    })

    up.setResponder(() => ({
      status: 404,
      error: 'The model `up-model` does not exist',
      errorType: 'invalid_request_error',
      errorCode: 'model_not_found'
    }))
    const missing = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'p', messages: ask })
    })
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ error: { code: 'model_not_found' } })
    expect(up.requests).toHaveLength(2)
  })
})

describe('browser clients', () => {
  it('a preflight allows the headers the SDK asks for (x-stainless-*), and answers expose x-request-id and x-llmnet-route (fails if the browser SDK is blocked)', async () => {
    const s = await server(
      { p: proxy(up.url) },
      { server: { corsOrigins: ['http://app.example'], apiKey: 'k' } }
    )
    const origin = { origin: 'http://app.example' }
    const asked =
      'authorization, content-type, x-stainless-os, x-stainless-lang, X-Stainless-Retry-Count, bad header, x-ok'
    const preflight = await rawRequest(s.url, {
      method: 'OPTIONS',
      path: '/v1/chat/completions',
      headers: {
        ...origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': asked
      }
    })
    expect(preflight.status).toBe(204)
    const allowed = String(preflight.headers['access-control-allow-headers']).split(', ')
    for (const h of ['x-stainless-os', 'x-stainless-lang', 'x-stainless-retry-count', 'x-ok'])
      expect(allowed).toContain(h)
    expect(allowed.some((h) => h.includes(' '))).toBe(false)
    expect(preflight.headers.vary).toContain('Access-Control-Request-Headers')

    const headers = { ...origin, authorization: 'Bearer k', 'content-type': 'application/json' }
    for (const stream of [false, true]) {
      const res = await rawRequest(s.url, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers,
        body: JSON.stringify({ model: 'p', messages: ask, stream })
      })
      expect(res.status, res.text).toBe(200)
      const exposed = String(res.headers['access-control-expose-headers'])
      expect(exposed).toContain('x-request-id')
      expect(exposed).toContain('x-llmnet-route')
      // Responses and Messages name the hosted/server tools they left out here.
      expect(exposed).toContain('x-llmnet-dropped-tools')
    }
  })
})
