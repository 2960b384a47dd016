/**
 * The official OpenAI Node SDK against a real runtime (port 0) over 1-0-1, router and multi-layer
 * pipelines with a fake upstream: chat, the `.stream()` helpers, `runTools`, the Responses API
 * (whole and streamed), embeddings and legacy completions with `suffix`, and direct
 * `PIPELINE/MODEL` addressing.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { fakeCompletionText, fakeEmbedding, type FakeUpstream } from '../support/fake-openai'
import { isRouterCall, type Served } from '../support/harness'
import { ANSWERER, PIPELINES } from './compositions'
import { toolResponder } from './tool-responder'
import { serveClients } from './serve-clients'

const suite = serveClients({ responder: toolResponder })
let up: FakeUpstream
let served: Served

beforeAll(() => {
  ;({ up, served } = suite)
})

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }
  }
}

describe.each(PIPELINES)('the OpenAI SDK on pipeline %s', (pipeline) => {
  const says = `${ANSWERER[pipeline]} says:`
  it('chat.completions.create answers with the final node', async () => {
    const res = await served.client.chat.completions.create({
      model: pipeline,
      messages: [{ role: 'user', content: 'hello there' }]
    })
    expect(res.choices[0]?.message.content).toBe(`${says} hello there`)
    expect(res.usage?.total_tokens).toBeGreaterThan(0)
  })

  it('the .stream() helper yields content events and a final completion', async () => {
    const stream = served.client.chat.completions.stream({
      model: pipeline,
      messages: [{ role: 'user', content: 'stream me' }]
    })
    let text = ''
    stream.on('content', (delta) => {
      text += delta
    })
    const final = await stream.finalChatCompletion()
    expect(text).toBe(`${says} stream me`)
    expect(final.choices[0]?.message.content).toBe(`${says} stream me`)
  })

  it('the .stream() helper gathers streamed tool calls', async () => {
    const stream = served.client.chat.completions.stream({
      model: pipeline,
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [weatherTool]
    })
    const final = await stream.finalChatCompletion()
    const call = final.choices[0]?.message.tool_calls?.[0]
    expect(call?.type === 'function' && call.function).toMatchObject({
      name: 'get_weather',
      arguments: '{"city":"Paris"}'
    })
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
  })

  it('runTools runs the tool and sends its result back', async () => {
    const seen: unknown[] = []
    const runner = served.client.chat.completions.runTools({
      model: pipeline,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'The weather in a city',
            parameters: weatherTool.function.parameters,
            parse: JSON.parse,
            function: (args: { city: string }) => {
              seen.push(args)
              return `sunny in ${args.city}`
            }
          }
        }
      ]
    })
    expect(await runner.finalContent()).toBe('The weather: sunny in Paris')
    expect(seen).toEqual([{ city: 'Paris' }])
  })

  it('responses.create answers with output_text and usage', async () => {
    const res = await served.client.responses.create({
      model: pipeline,
      instructions: 'Be brief.',
      input: 'what is new?'
    })
    expect(res.output_text).toBe(`${says} what is new?`)
    expect(res.status).toBe('completed')
    expect(res.usage?.total_tokens).toBeGreaterThan(0)
    // instructions reach the answering node as a system message.
    const answer = up.requests.filter((r) => !isRouterCall(r)).at(-1)
    expect(JSON.stringify(answer?.body.messages)).toContain('Be brief.')
  })

  it('responses.create streams the specified event sequence', async () => {
    const stream = await served.client.responses.create({
      model: pipeline,
      input: [{ role: 'user', content: 'stream a response' }],
      stream: true
    })
    const types: string[] = []
    const seq: number[] = []
    let text = ''
    for await (const event of stream) {
      types.push(event.type)
      seq.push(event.sequence_number)
      if (event.type === 'response.output_text.delta') text += event.delta
    }
    expect(text).toBe(`${says} stream a response`)
    const distinct = types.filter((t, i) => t !== types[i - 1])
    expect(distinct).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed'
    ])
    expect(seq).toEqual(seq.map((_, i) => i))
  })
})

describe('the OpenAI SDK: Responses with tools', () => {
  it('a function tool comes back as a function_call item, and its output answers', async () => {
    const first = await served.client.responses.create({
      model: 'router',
      input: 'weather in Paris?',
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          parameters: weatherTool.function.parameters,
          strict: false
        }
      ]
    })
    const call = first.output.find((o) => o.type === 'function_call')
    expect(call).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' })
    if (call?.type !== 'function_call') throw new Error('no function call')
    const second = await served.client.responses.create({
      model: 'router',
      input: [
        { role: 'user', content: 'weather in Paris?' },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: 'rainy' }
      ]
    })
    expect(second.output_text).toBe('The weather: rainy')
  })

  it('streamed, the Responses helper gathers the function call', async () => {
    const stream = served.client.responses.stream({
      model: 'basic',
      input: 'weather?',
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          parameters: weatherTool.function.parameters,
          strict: false
        }
      ]
    })
    const final = await stream.finalResponse()
    expect(final.output.find((o) => o.type === 'function_call')).toMatchObject({
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
      call_id: 'call_weather_1'
    })
  })
})

describe('the OpenAI SDK: embeddings and completions on directly addressed models', () => {
  it('embeddings.create returns the upstream vectors (base64 on the wire, decoded by the SDK)', async () => {
    const res = await served.client.embeddings.create({
      model: 'basic/embedder',
      input: ['first text', 'second']
    })
    expect(res.data.map((d) => d.embedding)).toEqual([
      fakeEmbedding('first text').map((v) => Math.fround(v)),
      fakeEmbedding('second').map((v) => Math.fround(v))
    ])
    expect(res.model).toBe('basic/embedder')
    const sent = up.requests.at(-1)
    expect(sent?.path).toBe('/v1/embeddings')
    expect(sent?.body).toMatchObject({ model: 'fake-embed', encoding_format: 'float' })
  })

  it('embeddings.create with float encoding and dimensions', async () => {
    const res = await served.client.embeddings.create({
      model: 'router/embedder',
      input: 'abc',
      encoding_format: 'float',
      dimensions: 2
    })
    expect(res.data[0]?.embedding).toEqual(fakeEmbedding('abc', 2))
  })

  it('completions.create forwards prompt and suffix (fill-in-the-middle)', async () => {
    const res = await served.client.completions.create({
      model: 'layered/coder',
      prompt: 'def add(a, b):\n    ',
      suffix: '\n\nprint(add(1, 2))',
      max_tokens: 16
    })
    const expected = fakeCompletionText({
      model: 'fake-coder',
      prompt: 'def add(a, b):\n    ',
      suffix: '\n\nprint(add(1, 2))'
    })
    expect(res.choices[0]?.text).toBe(expected)
    expect(res.model).toBe('layered/coder')
    expect(up.requests.at(-1)?.body).toMatchObject({
      suffix: '\n\nprint(add(1, 2))',
      max_tokens: 16
    })
  })

  it('completions.create streams text_completion chunks', async () => {
    const stream = await served.client.completions.create({
      model: 'basic/coder',
      prompt: 'let x = ',
      suffix: ';',
      stream: true
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? ''
    expect(text).toBe(fakeCompletionText({ model: 'fake-coder', prompt: 'let x = ', suffix: ';' }))
  })

  it('a pipeline with several models names them instead of guessing', async () => {
    await expect(
      served.client.embeddings.create({ model: 'router', input: 'x' })
    ).rejects.toMatchObject({
      status: 400,
      param: 'model',
      message: expect.stringContaining('"router/embedder"')
    })
  })
})

describe('direct PIPELINE/MODEL addressing', () => {
  it('/v1/models lists every pipeline model, and models.retrieve finds one', async () => {
    const ids = []
    for await (const m of served.client.models.list()) ids.push(m.id)
    expect(ids).toEqual(
      expect.arrayContaining([
        'basic',
        'router',
        'layered',
        'llmnet',
        'router/chat',
        'basic/embedder'
      ])
    )
    const one = await served.client.models.retrieve('router/chat')
    expect(one).toMatchObject({ id: 'router/chat', owned_by: 'llmnet', pipeline: 'router' })
    await expect(served.client.models.retrieve('router/nope')).rejects.toMatchObject({
      status: 404
    })
  })

  it('chat on PIPELINE/MODEL bypasses routing: one upstream call, to that model', async () => {
    const res = await served.client.chat.completions.create({
      model: 'router/small',
      messages: [{ role: 'user', content: 'direct' }]
    })
    expect(res.choices[0]?.message.content).toBe('small says: direct')
    expect(up.requests).toHaveLength(1)
    expect(isRouterCall(up.requests[0]!)).toBe(false)
    const raw = await served.client.chat.completions
      .create({ model: 'layered/chat', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse()
    expect(raw.response.headers.get('x-llmnet-route')).toBe('chat>output')
  })

  it('an unknown PIPELINE/MODEL is a 404 naming the model', async () => {
    await expect(
      served.client.chat.completions.create({
        model: 'router/ghost',
        messages: [{ role: 'user', content: 'x' }]
      })
    ).rejects.toMatchObject({ status: 404 })
  })
})

describe('bad bodies on the new routes are 400s naming the field', () => {
  const cases: [string, unknown, string][] = [
    ['/v1/responses', { model: 'basic' }, 'input'],
    [
      '/v1/responses',
      { model: 'basic', input: 'x', previous_response_id: 'resp_1' },
      'previous_response_id'
    ],
    ['/v1/completions', { model: 'basic/coder', prompt: 7 }, 'prompt'],
    [
      '/v1/embeddings',
      { model: 'basic/embedder', input: 'x', encoding_format: 'hex' },
      'encoding_format'
    ],
    ['/v1/embeddings', { model: 'basic/embedder', input: [[1, 2], 'mixed'] }, 'input']
  ]
  it.each(cases)('%s %j → param %s', async (path, body, param) => {
    const res = await fetch(`${served.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body)
    })
    expect(res.status).toBe(400)
    const json = (await res.json()) as { error: { code: string; param: string } }
    expect(json.error).toMatchObject({ code: 'invalid_request', param })
  })
})
