/**
 * The engine end to end: real runtime on port 0, fake OpenAI upstreams, the official `openai`
 * client as the consumer. Every assertion is on what really went over the wire.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  defaultResponder,
  type FakeUpstream,
  type RecordedRequest,
  type Responder,
  startFakeUpstream
} from '../../../../tests/support/fake-openai'
import {
  externalModel,
  isRouterCall,
  type Json,
  messagesOf,
  offeredRoutes,
  serve,
  type Served,
  systemContent
} from '../../../../tests/support/harness'
import type { Trace } from './trace'

const OUTPUT = { name: 'output', adapter: 'output' }

function proxy(models: Json, node: Json = {}): Json {
  return {
    models,
    architecture: [
      {
        name: 'bot',
        layer: 0,
        model: 'm',
        adapter: 'openai-api',
        context: 'You are the bot.',
        'output-to': ['output'],
        ...node
      },
      OUTPUT
    ]
  }
}

/** 1-2-1: router → sales | support → output. */
function salesSupport(url: string, router: Json = {}): Json {
  return {
    models: {
      r: externalModel(url, { name: 'router-model' }),
      e: externalModel(url, { name: 'expert-model' })
    },
    architecture: [
      { name: 'router', layer: 0, model: 'r', adapter: 'openai-api', 'output-to': [1], ...router },
      {
        name: 'sales',
        layer: 1,
        model: 'e',
        adapter: 'openai-api',
        'use-case': 'Buying, prices, quotes',
        context: 'You are the sales desk.',
        'output-to': ['output'],
        'extra-options': { model_override: 'sales-llm' }
      },
      {
        name: 'support',
        layer: 1,
        model: 'e',
        adapter: 'openai-api',
        'use-case': 'Bugs, outages, broken things',
        context: 'You are the support desk.',
        'output-to': ['output'],
        'extra-options': { model_override: 'support-llm' }
      },
      OUTPUT
    ]
  }
}

function gated(url: string, short: string, long: string, gate: Json = {}): Json {
  return {
    models: { m: externalModel(url) },
    architecture: [
      { name: 'gate', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': [1], ...gate },
      {
        name: 'short',
        layer: 1,
        model: 'm',
        adapter: 'openai-api',
        if: short,
        'output-to': ['output']
      },
      {
        name: 'long',
        layer: 1,
        model: 'm',
        adapter: 'openai-api',
        if: long,
        'output-to': ['output']
      },
      OUTPUT
    ]
  }
}

function loop(url: string, extra: Json = {}): Json {
  return {
    models: { m: externalModel(url) },
    architecture: [
      { name: 'start', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': [1] },
      {
        name: 'spin',
        layer: 1,
        model: 'm',
        adapter: 'openai-api',
        context: 'Spin again.',
        'output-to': ['spin', 'output']
      },
      OUTPUT
    ],
    ...extra
  }
}

/** Routes every router call to `route`; other calls get the default answer. */
const routeTo =
  (route: string, answer: Responder = defaultResponder): Responder =>
  (req, i) =>
    isRouterCall(req) ? { content: JSON.stringify({ route }) } : answer(req, i)

describe('engine over HTTP', () => {
  let up: FakeUpstream
  let srv: Served
  let traces: Trace[]

  beforeAll(async () => {
    up = await startFakeUpstream()
    srv = await serve({
      proxy: proxy({ m: externalModel(up.url) }),
      named: proxy({ m: externalModel(up.url, { name: 'named-model' }) }),
      sourced: proxy({ m: { runner: 'ollama', source: 'qwen2.5:0.5b', url: up.url } }),
      override: proxy(
        { m: externalModel(up.url, { name: 'named-model' }) },
        { 'extra-options': { model_override: 'override-model' } }
      ),
      router: salesSupport(up.url),
      'router-default': salesSupport(up.url, { 'default-route': 'support' }),
      conditional: gated(up.url, '$WORD_COUNT < 5', '$WORD_COUNT >= 5'),
      'cond-none': gated(up.url, '$WORD_COUNT < 2', '$WORD_COUNT > 10'),
      'cond-default': gated(up.url, '$WORD_COUNT < 2', '$WORD_COUNT > 10', {
        'default-route': 'long'
      }),
      'cond-router': {
        models: { m: externalModel(up.url) },
        architecture: [
          { name: 'gate', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': [1] },
          {
            name: 'a',
            layer: 1,
            model: 'm',
            adapter: 'openai-api',
            if: '$WORD_COUNT < 5',
            'output-to': ['output']
          },
          { name: 'b', layer: 1, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
          {
            name: 'c',
            layer: 1,
            model: 'm',
            adapter: 'openai-api',
            if: '$WORD_COUNT >= 5',
            'output-to': ['output']
          },
          OUTPUT
        ]
      },
      multi: {
        models: { m: externalModel(up.url) },
        architecture: [
          { name: 'router', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': [1] },
          {
            name: 'summariser',
            layer: 1,
            model: 'm',
            adapter: 'openai-api',
            'use-case': 'Summaries',
            context: 'Summarise.',
            'output-to': [2]
          },
          {
            name: 'explainer',
            layer: 1,
            model: 'm',
            adapter: 'openai-api',
            'use-case': 'Explanations',
            context: 'Explain.',
            'output-to': [2]
          },
          {
            name: 'editor',
            layer: 2,
            model: 'm',
            adapter: 'openai-api',
            context: 'You are a copy editor.',
            'output-to': ['output']
          },
          OUTPUT
        ]
      },
      loop: loop(up.url),
      loop3: loop(up.url, { 'max-hops': 3 })
    })
    srv.runtime.events.on('trace', (t) => traces.push(t))
  })

  afterAll(async () => {
    await srv?.close()
    await up?.close()
  })

  beforeEach(() => {
    up.requests.length = 0
    up.setResponder(defaultResponder)
    traces = []
  })

  const ask = (model: string, content: string, extra: Record<string, unknown> = {}) =>
    srv.client.chat.completions.create({ model, messages: [{ role: 'user', content }], ...extra })

  describe('1-0-1', () => {
    it('answers through one upstream call with the node context first, then the client system message, history and current turn in order (fails if messages are dropped, reordered or merged)', async () => {
      const messages = [
        { role: 'system' as const, content: 'Client rules: be brief.' },
        { role: 'user' as const, content: 'Hi' },
        { role: 'assistant' as const, content: 'Hello! How can I help?' },
        { role: 'user' as const, content: 'What is 2+2?' }
      ]
      const res = await srv.client.chat.completions.create({ model: 'proxy', messages })
      expect(res.choices[0]?.message.content).toBe('bot says: What is 2+2?')
      expect(res.choices[0]?.finish_reason).toBe('stop')
      expect(up.requests).toHaveLength(1)
      const sent = up.requests[0] as RecordedRequest
      expect(sent.path).toBe('/v1/chat/completions')
      expect(messagesOf(sent)).toEqual([
        { role: 'system', content: 'You are the bot.' },
        ...messages
      ])
    })

    it('sends model_override, else the model name/source, else the node name as the upstream model (fails if the wrong id reaches the backend)', async () => {
      const cases: [string, string][] = [
        ['override', 'override-model'],
        ['named', 'named-model'],
        ['sourced', 'qwen2.5:0.5b'],
        ['proxy', 'bot']
      ]
      for (const [pipeline, expected] of cases) {
        up.requests.length = 0
        const res = await ask(pipeline, 'hello')
        expect(up.requests.map((r) => r.body.model)).toEqual([expected])
        expect(res.choices[0]?.message.content).toBe(`${expected} says: hello`)
      }
    })
  })

  describe('1-2-1 router', () => {
    it('the router call is deterministic and constrained: temperature 0, json_schema enum of the candidates, routing prompt first and user text last (fails if routing is sampled or unconstrained)', async () => {
      up.setResponder(routeTo('support'))
      const res = await ask('router', 'My invoice page crashes')
      expect(res.choices[0]?.message.content).toBe('support-llm says: My invoice page crashes')
      expect(up.requests).toHaveLength(2)
      const [routerCall, answerCall] = up.requests as [RecordedRequest, RecordedRequest]
      expect(routerCall.body.model).toBe('router-model')
      expect(routerCall.body.temperature).toBe(0)
      expect(routerCall.body.response_format.type).toBe('json_schema')
      expect(offeredRoutes(routerCall)).toEqual(['sales', 'support'])
      const rm = messagesOf(routerCall)
      expect(rm[0]?.role).toBe('system')
      expect(rm[0]?.content).toMatch(/^You are a request router/)
      expect(rm[0]?.content).toContain('"sales": Buying, prices, quotes')
      expect(rm.at(-1)).toEqual({ role: 'user', content: 'My invoice page crashes' })
      // the chosen expert answers, with its own context
      expect(answerCall.body.model).toBe('support-llm')
      expect(systemContent(answerCall)).toBe('You are the support desk.')
      expect(answerCall.body.response_format).toBeUndefined()
    })

    it('client sampling and tool parameters reach the answering node but not the router (fails if the router inherits temperature/tools or the expert loses them)', async () => {
      up.setResponder(routeTo('sales'))
      const tools = [
        {
          type: 'function' as const,
          function: { name: 'get_price', parameters: { type: 'object', properties: {} } }
        }
      ]
      const params = {
        temperature: 0.7,
        top_p: 0.9,
        max_tokens: 100,
        stop: ['END'],
        seed: 42,
        response_format: { type: 'json_object' as const },
        tools
      }
      await ask('router', 'How much is the pro plan?', params)
      const [routerCall, answerCall] = up.requests as [RecordedRequest, RecordedRequest]
      expect(isRouterCall(routerCall)).toBe(true)
      for (const key of ['top_p', 'stop', 'seed', 'tools'])
        expect(routerCall.body).not.toHaveProperty(key)
      expect(routerCall.body.temperature).toBe(0)
      expect(routerCall.body.max_tokens).toBe(64)
      expect(routerCall.body.response_format.type).toBe('json_schema')
      expect(answerCall.body).toMatchObject(params)
      expect(answerCall.body.model).toBe('sales-llm')
    })

    it('a router that ignores the schema and answers free text is still understood (fails without robust matching)', async () => {
      up.setResponder((req, i) =>
        isRouterCall(req)
          ? { content: 'I think **Support** fits best here.' }
          : defaultResponder(req, i)
      )
      const { data, response } = await ask('router', 'The app is down').withResponse()
      expect(data.choices[0]?.message.content).toBe('support-llm says: The app is down')
      expect(response.headers.get('x-llmnet-route')).toBe('router>support>output')
      expect(up.requests.filter(isRouterCall)).toHaveLength(1)
    })

    it('an unparseable router answer is retried once, then default-route is used (fails if it gives up at once or loops)', async () => {
      up.setResponder((req, i) =>
        isRouterCall(req) ? { content: 'Hmm, hard to say.' } : defaultResponder(req, i)
      )
      const { data, response } = await ask('router-default', 'Something odd').withResponse()
      expect(up.requests.filter(isRouterCall)).toHaveLength(2)
      expect(data.choices[0]?.message.content).toBe('support-llm says: Something odd')
      expect(response.headers.get('x-llmnet-route')).toBe('router>support>output')
      const hop = traces[0]?.hops.find((h) => h.action === 'route')
      expect(hop).toMatchObject({
        decision: 'support',
        decisionSource: 'default-route',
        rawAnswers: ['Hmm, hard to say.', 'Hmm, hard to say.']
      })
    })

    it('an unparseable router answer without default-route is HTTP 422 no_route, and no expert is called (fails if a guess answers or it becomes 200/500)', async () => {
      up.setResponder((req, i) =>
        isRouterCall(req) ? { content: 'Hmm, hard to say.' } : defaultResponder(req, i)
      )
      await expect(ask('router', 'Something odd')).rejects.toMatchObject({
        status: 422,
        code: 'no_route'
      })
      expect(up.requests).toHaveLength(2)
      expect(up.requests.every(isRouterCall)).toBe(true)
    })

    it('a backend that rejects response_format with 400 gets the routing call again without it, and later calls skip it (fails if routing breaks on such backends)', async () => {
      const strict = await startFakeUpstream((req, i) => {
        if (req.body.response_format)
          return { status: 400, error: "Unsupported parameter: 'response_format'" }
        return isRouterCall(req) ? { content: 'support' } : defaultResponder(req, i)
      })
      const own = await serve({ router: salesSupport(strict.url) })
      try {
        const { data, response } = await own.client.chat.completions
          .create({ model: 'router', messages: [{ role: 'user', content: 'Broken login' }] })
          .withResponse()
        expect(data.choices[0]?.message.content).toBe('support-llm says: Broken login')
        expect(response.headers.get('x-llmnet-route')).toBe('router>support>output')
        expect(
          strict.requests.map((r) => [isRouterCall(r), Boolean(r.body.response_format)])
        ).toEqual([
          [true, true],
          [true, false],
          [false, false]
        ])
        await own.client.chat.completions.create({
          model: 'router',
          messages: [{ role: 'user', content: 'Broken again' }]
        })
        expect(
          strict.requests.slice(3).map((r) => [isRouterCall(r), Boolean(r.body.response_format)])
        ).toEqual([
          [true, false],
          [false, false]
        ])
      } finally {
        await own.close()
        await strict.close()
      }
    })
  })

  describe('conditions', () => {
    it('$WORD_COUNT < 5 and >= 5 pick different nodes with no router call (fails if conditions are ignored or a model is asked anyway)', async () => {
      const short = await ask('conditional', 'hi there').withResponse()
      expect(short.response.headers.get('x-llmnet-route')).toBe('gate>short>output')
      expect(up.requests.map((r) => r.body.model)).toEqual(['short'])
      up.requests.length = 0
      const long = await ask('conditional', 'please explain this in great detail').withResponse()
      expect(long.response.headers.get('x-llmnet-route')).toBe('gate>long>output')
      expect(up.requests.map((r) => r.body.model)).toEqual(['long'])
      expect(traces.map((t) => t.hops[0]?.decisionSource)).toEqual([
        'single-candidate',
        'single-candidate'
      ])
    })

    it('when every condition fails the answer is 422 naming each failed condition (fails if a node is picked anyway)', async () => {
      const err = await ask('cond-none', 'one two three four five').then(
        () => undefined,
        (e: unknown) => e as { status: number; code: string; message: string }
      )
      expect(err).toMatchObject({ status: 422, code: 'no_route' })
      expect(err?.message).toContain('"short" (if $WORD_COUNT < 2)')
      expect(err?.message).toContain('"long" (if $WORD_COUNT > 10)')
      expect(up.requests).toHaveLength(0)
    })

    it('when every condition fails, default-route is taken (fails if default-route is ignored)', async () => {
      const { data, response } = await ask('cond-default', 'one two three four five').withResponse()
      expect(response.headers.get('x-llmnet-route')).toBe('gate>long>output')
      expect(data.choices[0]?.message.content).toBe('long says: one two three four five')
    })

    it('the router is offered only the candidates whose conditions hold (fails if filtered nodes can still be chosen)', async () => {
      await ask('cond-router', 'short one')
      expect(up.requests).toHaveLength(2)
      expect(offeredRoutes(up.requests[0] as RecordedRequest)).toEqual(['a', 'b'])
      expect(traces[0]?.hops[0]?.filtered).toEqual([{ node: 'c', condition: '$WORD_COUNT >= 5' }])
    })
  })

  it('1-2-1-1: the layer-2 node gets its context plus "Previous answer (from …)" and still sees the client messages (fails if the earlier answer or the conversation is lost)', async () => {
    const messages = [
      { role: 'system' as const, content: 'Client system.' },
      { role: 'user' as const, content: 'Summarise: cats sleep a lot.' }
    ]
    const { data, response } = await srv.client.chat.completions
      .create({ model: 'multi', messages })
      .withResponse()
    expect(response.headers.get('x-llmnet-route')).toBe('router>summariser>editor>output')
    expect(data.choices[0]?.message.content).toBe('editor says: Summarise: cats sleep a lot.')
    const calls = up.requests.filter((r) => !isRouterCall(r))
    expect(calls.map((r) => r.body.model)).toEqual(['summariser', 'editor'])
    const [summariser, editor] = calls as [RecordedRequest, RecordedRequest]
    expect(messagesOf(summariser)).toEqual([{ role: 'system', content: 'Summarise.' }, ...messages])
    expect(messagesOf(editor)).toEqual([
      {
        role: 'system',
        content:
          'You are a copy editor.\n\nPrevious answer (from "summariser"):\nsummariser says: Summarise: cats sleep a lot.'
      },
      ...messages
    ])
  })

  describe('hop limit', () => {
    it('a cycle stops with HTTP 508 hop_limit_exceeded after 10 hops by default (fails on an endless loop)', async () => {
      await expect(ask('loop', 'go')).rejects.toMatchObject({
        status: 508,
        code: 'hop_limit_exceeded'
      })
      expect(up.requests.filter((r) => !isRouterCall(r))).toHaveLength(10)
      expect(traces[0]).toMatchObject({ status: 'error', error: { code: 'hop_limit_exceeded' } })
    })

    it('max-hops in the composition changes the limit (fails if max-hops is ignored)', async () => {
      await expect(ask('loop3', 'go')).rejects.toMatchObject({
        status: 508,
        code: 'hop_limit_exceeded'
      })
      expect(up.requests.filter((r) => !isRouterCall(r))).toHaveLength(3)
    })
  })

  describe('usage, headers and traces', () => {
    const metered: Responder = (req) =>
      isRouterCall(req)
        ? {
            content: '{"route":"support"}',
            usage: { prompt_tokens: 100, completion_tokens: 3, total_tokens: 103 }
          }
        : {
            content: 'fixed it',
            usage: { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 }
          }

    it('usage sums every hop, router included (fails if only the last call is counted)', async () => {
      up.setResponder(metered)
      const res = await ask('router', 'broken')
      expect(res.usage).toEqual({ prompt_tokens: 120, completion_tokens: 10, total_tokens: 130 })
    })

    it('streamed usage also sums every hop (fails if the streaming path reports only the final node)', async () => {
      up.setResponder(metered)
      const stream = await srv.client.chat.completions.create({
        model: 'router',
        messages: [{ role: 'user', content: 'broken' }],
        stream: true,
        stream_options: { include_usage: true }
      })
      let usage: unknown
      let text = ''
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage
        text += chunk.choices[0]?.delta.content ?? ''
      }
      expect(text).toBe('fixed it')
      expect(usage).toEqual({ prompt_tokens: 120, completion_tokens: 10, total_tokens: 130 })
    })

    it('x-request-id echoes a valid incoming id, and x-llmnet-route names the path (fails if the ids or route are missing)', async () => {
      up.setResponder(routeTo('sales'))
      const { data, response } = await srv.client.chat.completions
        .create(
          { model: 'router', messages: [{ role: 'user', content: 'price?' }] },
          { headers: { 'x-request-id': 'req-42.abc' } }
        )
        .withResponse()
      expect(response.headers.get('x-request-id')).toBe('req-42.abc')
      expect(response.headers.get('x-llmnet-route')).toBe('router>sales>output')
      expect(data.id).toMatch(/^chatcmpl-[0-9a-f-]{36}$/)
      expect(traces[0]?.id).toBe('req-42.abc')
    })

    it('an invalid or absent x-request-id is replaced by a generated one (fails if header injection is echoed)', async () => {
      const bad = await srv.client.chat.completions
        .create(
          { model: 'proxy', messages: [{ role: 'user', content: 'x' }] },
          { headers: { 'x-request-id': 'bad id <script>' } }
        )
        .withResponse()
      const id = bad.response.headers.get('x-request-id')
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      const none = await ask('proxy', 'y').withResponse()
      const other = none.response.headers.get('x-request-id')
      expect(other).toMatch(/^[0-9a-f-]{36}$/)
      expect(other).not.toBe(id)
    })

    it('every request emits a trace with hops, the router raw answer, timings and per-hop usage (fails if observability is lost)', async () => {
      up.setResponder(metered)
      await ask('router', 'broken')
      expect(traces).toHaveLength(1)
      const t = traces[0] as Trace
      expect(t).toMatchObject({
        pipeline: 'router',
        status: 'ok',
        stream: false,
        route: ['router', 'support', 'output']
      })
      expect(t.durationMs).toBeGreaterThanOrEqual(0)
      expect(t.startedAt).toBeGreaterThan(Date.now() - 60_000)
      expect(t.startedAt).toBeLessThanOrEqual(Date.now())
      expect(t.hops.map((h) => [h.node, h.action])).toEqual([
        ['router', 'route'],
        ['support', 'answer'],
        ['output', 'output']
      ])
      const [route, answer] = t.hops
      expect(route).toMatchObject({
        model: 'router-model',
        candidates: ['sales', 'support'],
        decision: 'support',
        decisionSource: 'model',
        rawAnswers: ['{"route":"support"}'],
        constrained: true,
        usage: { prompt_tokens: 100, completion_tokens: 3, total_tokens: 103 }
      })
      expect(answer).toMatchObject({
        model: 'support-llm',
        usage: { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 }
      })
      for (const h of t.hops) {
        expect(h.durationMs).toBeGreaterThanOrEqual(0)
        expect(h.startedAt).toBeGreaterThan(0)
      }
      expect(t.usage).toEqual({ prompt_tokens: 120, completion_tokens: 10, total_tokens: 130 })
    })

    it('a failed request still emits a trace with status error and the error code (fails if failures are invisible)', async () => {
      up.setResponder(() => ({ content: 'no clue' }))
      await expect(ask('router', 'x')).rejects.toMatchObject({ status: 422 })
      expect(traces).toHaveLength(1)
      expect(traces[0]).toMatchObject({
        status: 'error',
        error: { code: 'no_route' },
        pipeline: 'router'
      })
      expect(traces[0]?.hops[0]?.rawAnswers).toEqual(['no clue', 'no clue'])
    })
  })

  describe('tool calls', () => {
    const call = {
      id: 'call_1',
      type: 'function',
      function: { name: 'get_time', arguments: '{"tz":"UTC"}' }
    }
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_time',
          parameters: { type: 'object', properties: { tz: { type: 'string' } } }
        }
      }
    ]

    it('tool calls from the answering node reach the client with finish_reason tool_calls (fails if they are dropped or turned into text)', async () => {
      up.setResponder(routeTo('support', () => ({ toolCalls: [call] })))
      const res = await ask('router', 'what time is it?', { tools })
      expect(res.choices[0]?.finish_reason).toBe('tool_calls')
      expect(res.choices[0]?.message.content).toBeNull()
      expect(res.choices[0]?.message.tool_calls).toEqual([call])
    })

    it('streamed tool calls reach the client with finish_reason tool_calls (fails if the stream drops them)', async () => {
      const streamed = { index: 0, ...call }
      up.setResponder(routeTo('support', () => ({ toolCalls: [streamed], chunks: [] })))
      const stream = await srv.client.chat.completions.create({
        model: 'router',
        messages: [{ role: 'user', content: 'what time is it?' }],
        tools,
        stream: true
      })
      const toolCalls: unknown[] = []
      let finish: string | null | undefined
      for await (const chunk of stream) {
        toolCalls.push(...(chunk.choices[0]?.delta.tool_calls ?? []))
        finish = chunk.choices[0]?.finish_reason ?? finish
      }
      expect(toolCalls).toEqual([streamed])
      expect(finish).toBe('tool_calls')
    })
  })
})
