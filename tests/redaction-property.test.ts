/**
 * Property: an upstream that echoes the resolved `api-key` ($ENV or a store secret) in every
 * string field of every answer shape it can send (chat JSON and SSE chunks with reasoning, tool
 * calls, log probabilities and fingerprints; legacy completions JSON and SSE; embeddings; 4xx
 * error bodies with message, type, param and code) never gets it out of llmnet: not on chat
 * completions, Responses, Messages, completions or embeddings, JSON or streamed, and not in the
 * traces stored in the data folder. The key is random per run and split across streamed pieces
 * at random places (fast-check, fixed seed, bounded runs).
 */
import fc from 'fast-check'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionTokenLogprob
} from 'openai/resources/chat/completions'
import type { Completion, CompletionChoice } from 'openai/resources/completions'
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings'
import type { ErrorObject } from 'openai/resources/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppRuntime, createAppRuntime } from '../src/main/runtime'
import { tempDir, writeComposition } from './support/harness'

/** What the upstream sends in this run: the key, how streams split it, and success or refusal. */
interface Plan {
  key: string
  /** Where streamed text, thinking and tool arguments are cut (a secret split across pieces). */
  cut: number
  refuse?: 400 | 401 | 403 | 404 | 422
}

let plan: Plan = { key: 'placeholder-key', cut: 3 }
const received: string[] = []

/** `text` with the key inside, and the two pieces a stream sends it in (cut within the key). */
function pieces(prefix: string): [string, string] {
  const text = `${prefix} ${plan.key} end`
  const at = prefix.length + 1 + Math.min(plan.cut, plan.key.length - 1)
  return [text.slice(0, at), text.slice(at)]
}

function k(prefix: string): string {
  return `${prefix}-${plan.key}`
}

// Shapes as the OpenAI API documents them (openai's own declarations); reasoning_content is
// what DeepSeek, vLLM and llama-server add to the message and the delta.
type WithThinking<T> = T & { reasoning_content?: string }

/** A token's log probability, with its UTF-8 `bytes` as OpenAI sends them. */
function tokenLogprob(token: string): ChatCompletionTokenLogprob {
  return { token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [] }
}

function chatJson(): ChatCompletion {
  const message: WithThinking<ChatCompletion.Choice['message']> = {
    role: 'assistant',
    content: `answer ${plan.key}`,
    refusal: null,
    reasoning_content: `thinking ${plan.key}`,
    tool_calls: [
      {
        id: k('call'),
        type: 'function',
        function: { name: k('fn'), arguments: JSON.stringify({ q: plan.key }) }
      }
    ]
  }
  return {
    id: k('chatcmpl'),
    object: 'chat.completion',
    created: 1,
    model: k('model'),
    system_fingerprint: k('fp'),
    choices: [
      {
        index: 0,
        message,
        finish_reason: 'tool_calls',
        logprobs: {
          content: [
            tokenLogprob(plan.key),
            ...pieces('answer').map((t) => tokenLogprob(t)),
            {
              ...tokenLogprob('x'),
              top_logprobs: [{ token: plan.key, logprob: -0.2, bytes: [...Buffer.from(plan.key)] }]
            }
          ],
          refusal: null
        }
      }
    ],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }
  }
}

function chatChunks(): ChatCompletionChunk[] {
  const base = { id: k('chatcmpl'), object: 'chat.completion.chunk' as const, created: 1 }
  const chunk = (
    delta: WithThinking<ChatCompletionChunk.Choice.Delta>,
    finish: ChatCompletionChunk.Choice['finish_reason'] = null
  ): ChatCompletionChunk => ({
    ...base,
    model: k('model'),
    system_fingerprint: k('fp'),
    choices: [
      {
        index: 0,
        delta,
        finish_reason: finish,
        // Each content piece with its token's log probability: the key spans two entries.
        ...(delta.content && {
          logprobs: { content: [tokenLogprob(delta.content)], refusal: null }
        })
      }
    ]
  })
  const [think1, think2] = pieces('thinking')
  const [text1, text2] = pieces('answer')
  const [args1, args2] = pieces('{"q":"')
  return [
    chunk({ role: 'assistant', content: '' }),
    chunk({ reasoning_content: think1 }),
    chunk({ reasoning_content: think2 }),
    chunk({ content: text1 }),
    chunk({ content: text2 }),
    chunk({
      tool_calls: [
        { index: 0, id: k('call'), type: 'function', function: { name: k('fn'), arguments: '' } }
      ]
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: args1 } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: `${args2}"}` } }] }),
    chunk({}, 'tool_calls'),
    {
      ...base,
      model: k('model'),
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }
    }
  ]
}

/**
 * A completion, or one event of a streamed one: OpenAI's declaration has no null
 * `finish_reason`, but streamed events carry null until the last (as in chat chunks).
 */
function completionJson(
  text = `completion ${plan.key}`,
  last = true
): Omit<Completion, 'choices'> & {
  choices: (Omit<CompletionChoice, 'finish_reason'> & {
    finish_reason: CompletionChoice['finish_reason'] | null
  })[]
} {
  return {
    id: k('cmpl'),
    object: 'text_completion',
    created: 1,
    model: k('model'),
    system_fingerprint: k('fp'),
    choices: [
      {
        index: 0,
        text,
        finish_reason: last ? 'stop' : null,
        logprobs: { tokens: [plan.key], token_logprobs: [-0.1], text_offset: [0], top_logprobs: [] }
      }
    ]
  }
}

function embeddingJson(): CreateEmbeddingResponse {
  return {
    object: 'list',
    model: k('model'),
    data: [{ object: 'embedding', index: 0, embedding: [0.25, 0.5] }],
    usage: { prompt_tokens: 1, total_tokens: 1 }
  }
}

function refusal(): { error: ErrorObject } {
  return {
    error: {
      message: `refused ${plan.key}`,
      type: k('type'),
      param: k('param'),
      code: k('code')
    }
  }
}

function sse(res: ServerResponse, events: unknown[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`)
  res.end('data: [DONE]\n\n')
}

function answer(req: IncomingMessage, body: { stream?: boolean }, res: ServerResponse): void {
  received.push(String(req.headers.authorization))
  if (plan.refuse) {
    res.writeHead(plan.refuse, { 'content-type': 'application/json' })
    res.end(JSON.stringify(refusal()))
    return
  }
  const json = (value: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(value))
  }
  if (req.url === '/v1/chat/completions') {
    if (body.stream) sse(res, chatChunks())
    else json(chatJson())
  } else if (req.url === '/v1/completions') {
    if (body.stream)
      sse(
        res,
        pieces('completion').map((t, i) => completionJson(t, i === 1))
      )
    else json(completionJson())
  } else if (req.url === '/v1/embeddings') json(embeddingJson())
  else {
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }))
  }
}

let upstream: Server
let upstreamUrl: string
let app: AppRuntime
let url: string
let removeDir: () => void
const env: NodeJS.ProcessEnv = { LLMNET_SECRET_KEY: Buffer.alloc(32, 9).toString('base64') }
const files: string[] = []

function composition(apiKey: string, secrets?: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(secrets && { secrets }),
    models: { m: { type: 'external', url: `${upstreamUrl}/v1`, 'api-key': apiKey } },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  }
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => (raw += c.toString()))
    req.on('end', () => answer(req, JSON.parse(raw || '{}') as { stream?: boolean }, res))
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  const tmp = tempDir('llmnet-redaction-')
  removeDir = tmp.remove
  app = await createAppRuntime({ dataDir: tmp.dir, env })
  url = (await app.start({ host: '127.0.0.1', port: 0 })).url as string
  files.push(
    writeComposition(tmp.dir, 'viaenv', composition('$UPSTREAM_KEY')),
    writeComposition(
      tmp.dir,
      'viastore',
      composition('$secrets.up.KEY', { up: { source: 'store', variables: ['KEY'] } })
    )
  )
})

afterAll(async () => {
  await app?.stop()
  await new Promise((resolve) => upstream?.close(resolve))
  removeDir?.()
})

/** Loads both pipelines with `key` as the env variable's and the store secret's value. */
async function useKey(key: string): Promise<void> {
  env.UPSTREAM_KEY = key
  app.store.secrets.set('up.KEY', key)
  for (const file of files) {
    const loaded = await app.runtime.pipelineService.loadFile(file)
    expect(loaded.ok, JSON.stringify(loaded)).toBe(true)
  }
}

/** Every endpoint, JSON and streamed: status and whole body text. */
async function callEverything(model: string): Promise<{ what: string; text: string }[]> {
  const bodies: [string, Record<string, unknown>][] = [
    [
      'chat/completions',
      { messages: [{ role: 'user', content: 'q' }], stream_options: { include_usage: true } }
    ],
    ['responses', { input: 'q' }],
    ['messages', { max_tokens: 64, messages: [{ role: 'user', content: 'q' }] }],
    ['completions', { prompt: 'q' }],
    ['embeddings', { input: 'q' }]
  ]
  const out: { what: string; text: string }[] = []
  for (const [path, body] of bodies) {
    for (const stream of path === 'embeddings' ? [false] : [false, true]) {
      const sent = { model, ...body, ...(stream && { stream }) }
      if (!stream) delete (sent as { stream_options?: unknown }).stream_options
      const res = await fetch(`${url}/v1/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify(sent)
      })
      out.push({ what: `${path} stream=${stream} → ${res.status}`, text: await res.text() })
    }
  }
  return out
}

/**
 * What a client can reassemble from an answer: every string of every event, joined per JSON path
 * across events and array entries (streamed text, thinking and tool arguments arrive in pieces,
 * log probabilities token by token), a `bytes` array read as the UTF-8 text it encodes.
 */
function reassembled(text: string): string[] {
  const joined = new Map<string, string>()
  const add = (path: string, s: string): void => void joined.set(path, (joined.get(path) ?? '') + s)
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') add(path, value)
    else if (Array.isArray(value) && path.endsWith('.bytes'))
      add(path, Buffer.from(value as number[]).toString('utf8'))
    else if (Array.isArray(value)) for (const item of value) walk(item, `${path}[]`)
    else if (value && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`)
  }
  if (!text.includes('data: ')) walk(JSON.parse(text), '')
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue
    walk(JSON.parse(line.slice(6)), '')
  }
  return [...joined.values()]
}

describe('no upstream field carries the api key out', () => {
  it('on any endpoint, JSON or streamed, success or 4xx, nor in stored traces (fails without the boundary redaction)', async () => {
    const keys: string[] = []
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Za-z0-9_-]{12,40}$/),
        fc.nat(40),
        fc.option(
          fc.constantFrom(400 as const, 401 as const, 403 as const, 404 as const, 422 as const),
          { nil: undefined }
        ),
        async (raw, cut, refuse) => {
          // A prefix no ordinary text has: the test then proves the key, not a lookalike.
          const key = `sk-${raw}`
          keys.push(key)
          await useKey(key)
          plan = { key, cut, refuse }
          for (const model of ['viaenv', 'viastore']) {
            received.length = 0
            for (const { what, text } of await callEverything(model)) {
              expect(text, `${model} ${what}`).not.toContain(key)
              for (const joined of reassembled(text))
                expect(joined, `${model} ${what} reassembled`).not.toContain(key)
              // Endpoint models map 401/403/404 to their own statuses (endpoint-call.ts).
              if (refuse) expect(what).toMatch(/→ [45]\d\d$/)
              else expect(what, text).toMatch(/→ 200$/)
              // The echo reached the client, hidden (embeddings answer only numbers).
              if (!what.startsWith('embeddings')) expect(text, what).toContain('[redacted]')
            }
            // The key was sent upstream (and echoed back): the redaction is what hid it.
            expect(received).toContain(`Bearer ${key}`)
          }
        }
      ),
      { seed: 1907, numRuns: 12 }
    )
    app.store.traceWriter.flush()
    const stored = app.store.db.prepare('SELECT body FROM traces').all() as { body: string }[]
    // Chat, Responses and Messages (JSON and streamed) run the engine and leave a trace each.
    expect(stored.length).toBeGreaterThanOrEqual(12 * 2 * 6)
    for (const { body } of stored) for (const key of keys) expect(body).not.toContain(key)
  }, 120_000)
})
