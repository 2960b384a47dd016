/**
 * `/v1/responses` with what Codex, the Agents SDK and the Vercel AI SDK send (openai-node's
 * `Tool`, `ToolChoice*` and `ResponseInputItem` declarations are the reference): namespace,
 * custom and hosted tools, `allowed_tools`, every input item type, stored responses and
 * `previous_response_id`, `text.format` as the upstream's `response_format`, reasoning as
 * reasoning items and events, and a stream cut by shutdown that keeps the text it sent.
 */
import type OpenAI from 'openai'
import { beforeAll, describe, expect, it } from 'vitest'
import { defaultResponder, type FakeUpstream, type RecordedRequest } from '../support/fake-openai'
import { isRouterCall, serve, type Served, sseData } from '../support/harness'
import { serveClients } from './serve-clients'
import { clientCompositions } from './compositions'

type Responder = Parameters<FakeUpstream['setResponder']>[0]
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary wire JSON
type Wire = Record<string, any>

const suite = serveClients()
let up: FakeUpstream
let served: Served

beforeAll(() => {
  ;({ up, served } = suite)
})

/** The last request an answering node (not a router) received. */
const answering = (): RecordedRequest => {
  const r = up.requests.filter((x) => !isRouterCall(x)).at(-1)
  if (!r) throw new Error('no answering request')
  return r
}
const toolNames = (r: RecordedRequest): string[] =>
  ((r.body.tools ?? []) as { function: { name: string } }[]).map((t) => t.function.name)

async function post(body: unknown): Promise<{ status: number; headers: Headers; json: Wire }> {
  const res = await fetch(`${served.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  return { status: res.status, headers: res.headers, json: (await res.json()) as Wire }
}

const callOnce =
  (name: string, args: string): Responder =>
  (req, i) =>
    Array.isArray(req.body?.tools) && req.body.tools.length > 0
      ? {
          toolCalls: [
            { index: 0, id: 'call_1', type: 'function', function: { name, arguments: args } }
          ]
        }
      : defaultResponder(req, i)

describe('tools of every type', () => {
  const codexTools = [
    { type: 'function', name: 'exec_command', parameters: { type: 'object', properties: {} } },
    {
      type: 'namespace',
      name: 'multi_agent_v1',
      description: 'sub-agents',
      tools: [
        {
          type: 'function',
          name: 'spawn_agent',
          description: 'Spawn one',
          parameters: { type: 'object', properties: { task: { type: 'string' } } }
        }
      ]
    },
    {
      type: 'custom',
      name: 'apply_patch',
      description: 'Apply a patch',
      format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' }
    },
    { type: 'web_search', external_web_access: false },
    { type: 'file_search', vector_store_ids: ['vs_1'] },
    { type: 'mcp', server_label: 'x', server_url: 'https://example.invalid' },
    { type: 'web_search' }
  ]

  it('namespace tools reach the model as NAMESPACE__NAME and their call comes back with namespace', async () => {
    up.setResponder(callOnce('multi_agent_v1__spawn_agent', '{"task":"a"}'))
    const res = await post({ model: 'basic', input: 'go', tools: codexTools })
    expect(res.status).toBe(200)
    expect(toolNames(answering())).toEqual([
      'exec_command',
      'multi_agent_v1__spawn_agent',
      'apply_patch'
    ])
    expect(res.json.output).toContainEqual(
      expect.objectContaining({
        type: 'function_call',
        name: 'spawn_agent',
        namespace: 'multi_agent_v1',
        arguments: '{"task":"a"}',
        call_id: 'call_1'
      })
    )
  })

  it('hosted tools are left out, named once in x-llmnet-dropped-tools, never a 400', async () => {
    const res = await post({ model: 'basic', input: 'hi', tools: codexTools })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-llmnet-dropped-tools')).toBe('web_search, file_search, mcp')
    const all = JSON.stringify(answering().body.tools)
    expect(all).not.toContain('web_search')
    expect(all).not.toContain('vs_1')
    // The response echoes the tools as the client sent them.
    expect(res.json.tools).toEqual(codexTools)
  })

  it('a custom (freeform) tool is a function of one string; its call comes back as custom_tool_call', async () => {
    up.setResponder(callOnce('apply_patch', JSON.stringify({ input: '*** Begin Patch\n' })))
    const res = await post({ model: 'router', input: 'patch it', tools: codexTools })
    const offered = (answering().body.tools as { function: Wire }[]).find(
      (t) => t.function.name === 'apply_patch'
    )
    expect(offered?.function.parameters.required).toEqual(['input'])
    expect(offered?.function.description).toContain('*** Begin Patch')
    expect(res.json.output).toContainEqual(
      expect.objectContaining({
        type: 'custom_tool_call',
        name: 'apply_patch',
        input: '*** Begin Patch\n',
        call_id: 'call_1'
      })
    )
  })

  it('streamed, a custom tool call is custom_tool_call_input events, a namespaced one keeps its namespace', async () => {
    up.setResponder(callOnce('apply_patch', JSON.stringify({ input: 'P' })))
    const stream = await served.client.responses.create({
      model: 'basic',
      input: 'patch',
      tools: codexTools as OpenAI.Responses.Tool[],
      stream: true
    })
    const types: string[] = []
    let done: unknown
    for await (const e of stream) {
      types.push(e.type)
      if (e.type === 'response.output_item.done') done = e.item
    }
    expect(types).toContain('response.custom_tool_call_input.done')
    expect(done).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: 'P' })
  })

  it('tool_choice allowed_tools offers only the listed tools, with its mode', async () => {
    await post({
      model: 'basic',
      input: 'hi',
      tools: codexTools,
      tool_choice: {
        type: 'allowed_tools',
        mode: 'required',
        tools: [{ type: 'function', name: 'spawn_agent' }]
      }
    })
    expect(toolNames(answering())).toEqual(['multi_agent_v1__spawn_agent'])
    expect(answering().body.tool_choice).toBe('required')
  })

  it('tool_choice naming a function or custom tool forces it; forcing a hosted tool is refused by name', async () => {
    await post({
      model: 'basic',
      input: 'hi',
      tools: codexTools,
      tool_choice: { type: 'custom', name: 'apply_patch' }
    })
    expect(answering().body.tool_choice).toEqual({
      type: 'function',
      function: { name: 'apply_patch' }
    })
    const res = await post({
      model: 'basic',
      input: 'hi',
      tools: codexTools,
      tool_choice: { type: 'web_search_preview' }
    })
    expect(res.status).toBe(400)
    expect(res.json.error.param).toBe('tool_choice')
  })

  it('an unknown tool type is refused naming its index', async () => {
    const res = await post({
      model: 'basic',
      input: 'hi',
      tools: [codexTools[0], { type: 'teleport' }]
    })
    expect(res.status).toBe(400)
    expect(res.json.error.param).toBe('tools[1].type')
  })
})

describe('input items', () => {
  it('maps every item kind onto the chat conversation, skipping what only OpenAI can read', async () => {
    const res = await post({
      model: 'basic',
      instructions: 'Be brief.',
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'dev' }] },
        { role: 'user', content: 'first' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' },
        { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search' } },
        { type: 'compaction', encrypted_content: 'opaque' },
        {
          type: 'function_call',
          call_id: 'c1',
          name: 'spawn_agent',
          namespace: 'multi_agent_v1',
          arguments: '{}'
        },
        { type: 'function_call_output', call_id: 'c1', output: 'spawned' },
        { type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: 'PATCH' },
        {
          type: 'custom_tool_call_output',
          call_id: 'c2',
          output: [{ type: 'input_text', text: 'applied' }]
        },
        {
          type: 'local_shell_call',
          call_id: 'c3',
          id: 'ls_1',
          status: 'completed',
          action: { type: 'exec', command: ['ls'], env: {} }
        },
        { type: 'local_shell_call_output', call_id: 'c3', id: 'lso_1', output: 'a.txt' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'look' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' }
          ]
        }
      ]
    })
    expect(res.status).toBe(200)
    const messages = answering().body.messages as Wire[]
    const tail = messages.slice(-9)
    expect(tail).toEqual([
      { role: 'developer', content: 'dev' },
      { role: 'user', content: 'first' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'c1',
            type: 'function',
            function: { name: 'multi_agent_v1__spawn_agent', arguments: '{}' }
          }
        ]
      },
      { role: 'tool', tool_call_id: 'c1', content: 'spawned' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'c2',
            type: 'function',
            function: { name: 'apply_patch', arguments: '{"input":"PATCH"}' }
          }
        ]
      },
      { role: 'tool', tool_call_id: 'c2', content: 'applied' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'c3',
            type: 'function',
            function: {
              name: 'local_shell_call',
              arguments: '{"action":{"type":"exec","command":["ls"],"env":{}}}'
            }
          }
        ]
      },
      { role: 'tool', tool_call_id: 'c3', content: 'a.txt' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }
        ]
      }
    ])
    expect(JSON.stringify(messages)).toContain('Be brief.')
    expect(JSON.stringify(messages)).not.toContain('opaque')
  })

  it('an unknown item type, or a part that cannot be sent, is refused naming its index', async () => {
    const bad = await post({
      model: 'basic',
      input: [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'user', content: 'c' },
        { type: 'hologram' }
      ]
    })
    expect(bad.status).toBe(400)
    expect(bad.json.error.param).toBe('input[3].type')
    const file = await post({
      model: 'basic',
      input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }]
    })
    expect(file.status).toBe(400)
    expect(file.json.error.param).toBe('input[0].content[0].file_id')
  })
})

describe('hostile bodies', () => {
  const cases: [unknown, string][] = [
    [{ model: 'basic', input: [{ type: 'message', role: 'tool', content: 'x' }] }, 'input[0].role'],
    [
      { model: 'basic', input: [{ type: 'function_call', call_id: 'c', name: 'f' }] },
      'input[0].arguments'
    ],
    [
      { model: 'basic', input: [{ role: 'user', content: [{ type: 'hologram' }] }] },
      'input[0].content[0].type'
    ],
    [
      { model: 'basic', input: [{ type: 'function_call_output', call_id: 'c', output: 7 }] },
      'input[0].output'
    ],
    [
      { model: 'basic', input: [{ type: 'additional_tools', tools: [{ type: 'function' }] }] },
      'input[0].tools[0].name'
    ],
    [
      {
        model: 'basic',
        input: 'x',
        tools: [{ type: 'namespace', name: 'n', tools: [{ type: 'web_search' }] }]
      },
      'tools[0].tools[0]'
    ],
    [{ model: 'basic', input: 'x', tools: [{ type: 'custom' }] }, 'tools[0].name'],
    [
      { model: 'basic', input: 'x', text: { format: { type: 'json_schema', name: 'n' } } },
      'text.format.schema'
    ],
    [
      {
        model: 'basic',
        input: 'x',
        tool_choice: { type: 'allowed_tools', mode: 'sometimes', tools: [] }
      },
      'tool_choice.mode'
    ],
    [{ model: 'basic', input: [7] }, 'input'],
    [{ model: 'basic', input: [] }, 'input']
  ]
  it.each(cases)('%j is a 400 naming %s', async (body, param) => {
    const res = await post(body)
    expect(res.status).toBe(400)
    expect(res.json.error.param).toBe(param)
  })
})

describe('stored responses', () => {
  it('previous_response_id continues a stored conversation; item_reference finds its items', async () => {
    const first = await served.client.responses.create({ model: 'basic', input: 'my name is Ada' })
    const second = await served.client.responses.create({
      model: 'basic',
      input: 'what is my name?',
      previous_response_id: first.id
    })
    expect(second.previous_response_id).toBe(first.id)
    const convo = (answering().body.messages as { role: string; content: string }[]).map(
      (m) => `${m.role}:${m.content}`
    )
    expect(convo.slice(-3)).toEqual([
      'user:my name is Ada',
      `assistant:${first.output_text}`,
      'user:what is my name?'
    ])
    const msgId = first.output[0]?.id as string
    await post({
      model: 'basic',
      input: [
        { type: 'item_reference', id: msgId },
        { role: 'user', content: 'again' }
      ]
    })
    expect((answering().body.messages as { content: string }[]).at(-2)?.content).toBe(
      first.output_text
    )
    const fetched = await served.client.responses.retrieve(second.id)
    expect(fetched.output_text).toBe(second.output_text)
  })

  it('store: false keeps nothing; an unknown previous_response_id or item is a 400 naming it', async () => {
    const r = await served.client.responses.create({ model: 'basic', input: 'x', store: false })
    expect((r as unknown as { store: boolean }).store).toBe(false)
    const cont = await post({ model: 'basic', input: 'y', previous_response_id: r.id })
    expect(cont.status).toBe(400)
    expect(cont.json.error.param).toBe('previous_response_id')
    const ref = await post({ model: 'basic', input: [{ type: 'item_reference', id: 'msg_nope' }] })
    expect(ref.status).toBe(400)
    expect(ref.json.error.param).toBe('input[0].id')
  })

  it('DELETE removes a stored response', async () => {
    const r = await served.client.responses.create({ model: 'basic', input: 'x' })
    await served.client.responses.delete(r.id)
    await expect(served.client.responses.retrieve(r.id)).rejects.toMatchObject({ status: 404 })
  })
})

describe('nothing is lost', () => {
  it('text.format json_schema and json_object reach the answering node as response_format', async () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }
    up.setResponder((req, i) =>
      isRouterCall(req) ? defaultResponder(req, i) : { content: '{"a":"x"}' }
    )
    await post({
      model: 'router',
      input: 'x',
      text: { format: { type: 'json_schema', name: 'out', schema, strict: true }, verbosity: 'low' }
    })
    expect(answering().body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'out', schema, strict: true }
    })
    expect(answering().body.verbosity).toBe('low')
    await post({ model: 'basic', input: 'x', text: { format: { type: 'json_object' } } })
    expect(answering().body.response_format).toEqual({ type: 'json_object' })
  })

  it('reasoning.effort, max_output_tokens, top_logprobs and unknown fields are forwarded', async () => {
    await post({
      model: 'basic',
      input: 'x',
      reasoning: { effort: 'low', summary: 'auto' },
      max_output_tokens: 50,
      top_logprobs: 2,
      top_k: 7,
      include: ['reasoning.encrypted_content'],
      store: false
    })
    const body = answering().body
    expect(body).toMatchObject({
      reasoning_effort: 'low',
      max_tokens: 50,
      logprobs: true,
      top_logprobs: 2,
      top_k: 7
    })
    for (const owned of ['reasoning', 'include', 'store', 'input', 'max_output_tokens', 'text'])
      expect(body).not.toHaveProperty(owned)
  })

  it('token log probabilities come back on output_text, whole and streamed', async () => {
    const entries = [
      { token: 'a ', logprob: -0.1, bytes: null, top_logprobs: [] },
      { token: 'b', logprob: -0.2, bytes: null, top_logprobs: [] }
    ]
    up.setResponder((req, i) =>
      isRouterCall(req)
        ? defaultResponder(req, i)
        : { content: 'a b', chunks: ['a ', 'b'], logprobs: entries }
    )
    const whole = await post({ model: 'router', input: 'x', top_logprobs: 1 })
    expect(whole.json.output[0].content[0].logprobs).toEqual(entries)
    const stream = await served.client.responses.create({
      model: 'router',
      input: 'x',
      top_logprobs: 1,
      stream: true
    })
    const streamed: unknown[] = []
    for await (const e of stream)
      if (e.type === 'response.output_text.delta') streamed.push(...e.logprobs)
    expect(streamed).toEqual(entries)
  })

  it('an answer cut by the token limit or a content filter is incomplete, with the reason', async () => {
    for (const [finishReason, reason] of [
      ['length', 'max_output_tokens'],
      ['content_filter', 'content_filter']
    ]) {
      up.setResponder(() => ({ content: 'cut', finishReason }))
      const whole = await post({ model: 'basic', input: 'x' })
      expect(whole.json).toMatchObject({ status: 'incomplete', incomplete_details: { reason } })
      const stream = await served.client.responses.create({
        model: 'basic',
        input: 'x',
        stream: true
      })
      let last: { type: string; response?: unknown } | undefined
      for await (const e of stream) last = e
      expect(last?.type).toBe('response.incomplete')
      expect(last?.response).toMatchObject({ incomplete_details: { reason } })
    }
  })

  it('background, conversation and prompt are refused by name', async () => {
    for (const [field, value] of [
      ['background', true],
      ['conversation', 'conv_1'],
      ['prompt', { id: 'pmpt_1' }]
    ] as const) {
      const res = await post({ model: 'basic', input: 'x', [field]: value })
      expect(res.status, field).toBe(400)
      expect(res.json.error.param).toBe(field)
    }
  })

  it('reasoning comes back as a reasoning item (whole) and summary/text events (streamed)', async () => {
    up.setResponder((req, i) =>
      isRouterCall(req)
        ? defaultResponder(req, i)
        : { reasoningContent: 'let me think', content: 'answer' }
    )
    const whole = await served.client.responses.create({ model: 'basic', input: 'x' })
    expect(whole.output[0]).toMatchObject({
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'let me think' }],
      content: [{ type: 'reasoning_text', text: 'let me think' }]
    })
    expect(whole.output_text).toBe('answer')
    const stream = await served.client.responses.create({
      model: 'layered',
      input: 'x',
      stream: true
    })
    let summary = ''
    let raw = ''
    const types: string[] = []
    for await (const e of stream) {
      types.push(e.type)
      if (e.type === 'response.reasoning_summary_text.delta') summary += e.delta
      if (e.type === 'response.reasoning_text.delta') raw += e.delta
    }
    expect(summary).toBe('let me think')
    expect(raw).toBe('let me think')
    // The reasoning item is closed before the message begins.
    expect(types.indexOf('response.reasoning_summary_part.done')).toBeLessThan(
      types.indexOf('response.content_part.added')
    )
  })
})

describe('a stream cut by shutdown', () => {
  it('response.failed carries the text already sent', async () => {
    const own = await serve(clientCompositions(up.url))
    const chunks = Array.from({ length: 30 }, (_, i) => `w${i} `)
    up.setResponder(() => ({ content: chunks.join(''), chunks, chunkDelayMs: 40 }))
    const res = await fetch(`${own.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'basic', input: 'long', stream: true })
    })
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let text = ''
    let closing: Promise<void> | undefined
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
      const deltas = text.split('response.output_text.delta').length - 1
      if (deltas >= 20 && !closing) closing = own.runtime.closeServer(0)
    }
    await closing
    await own.close()
    const events = sseData(text).map((d) => JSON.parse(d) as Wire)
    const sent = events
      .filter((e) => e.type === 'response.output_text.delta')
      .map((e) => e.delta as string)
      .join('')
    expect(sent.length).toBeGreaterThan(0)
    const failed = events.find((e) => e.type === 'response.failed')
    expect(failed?.response.status).toBe('failed')
    expect(failed?.response.output[0]).toMatchObject({
      type: 'message',
      status: 'incomplete',
      content: [{ type: 'output_text', text: sent }]
    })
  })
})
