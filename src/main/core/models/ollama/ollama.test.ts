import { execFile } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type FakeOllama, startFakeOllama } from '../../../../../tests/support/fake-ollama'
import { sampleGguf } from '../../../../../tests/support/gguf-builder'
import { Cancellation } from '../../cancel'
import { AppError } from '../../errors'
import { OpenAICompatibleProvider } from '../../providers/openai-compatible'
import { normaliseModelName, OllamaManager, type OllamaProgress } from './manager'
import { findOllamaBinary, ollamaBaseUrl } from './host'
import type { OllamaError } from './error'
import { parseModelfile } from './modelfile'
import { choiceSchema, choiceStringSchema } from '../../providers/provider'
import { OllamaProvider } from './provider'
import { parseRouteAnswer } from '../../engine/routing'

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, '../../../../..')
let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmnet-ollama-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const user = (content: string) => [{ role: 'user' as const, content }]

describe('OLLAMA_HOST and the binary', () => {
  it('reads OLLAMA_HOST the way Ollama does (default port, scheme ports, :port, bind-all addresses)', () => {
    expect(ollamaBaseUrl(undefined)).toBe('http://127.0.0.1:11434')
    expect(ollamaBaseUrl('')).toBe('http://127.0.0.1:11434')
    expect(ollamaBaseUrl('example.com')).toBe('http://example.com:11434')
    expect(ollamaBaseUrl('example.com:8080')).toBe('http://example.com:8080')
    expect(ollamaBaseUrl(':9999')).toBe('http://127.0.0.1:9999')
    expect(ollamaBaseUrl('0.0.0.0:11434')).toBe('http://127.0.0.1:11434')
    expect(ollamaBaseUrl('http://box')).toBe('http://box:80')
    expect(ollamaBaseUrl('https://ollama.example.com/')).toBe('https://ollama.example.com:443')
    expect(ollamaBaseUrl('[::1]:1234')).toBe('http://[::1]:1234')
  })

  it('finds ollama on PATH, reports absence as undefined, and rejects a configured path that does not exist', async () => {
    const bin = path.join(tmp, 'pathbin')
    mkdirSync(bin, { recursive: true })
    writeFileSync(path.join(bin, 'ollama'), '#!/bin/sh\n')
    chmodSync(path.join(bin, 'ollama'), 0o755)
    expect(await findOllamaBinary({ env: { PATH: `/nonexistent${path.delimiter}${bin}` } })).toBe(
      path.join(bin, 'ollama')
    )
    expect(await findOllamaBinary({ env: { PATH: '/nonexistent' } })).toBeUndefined()
    await expect(findOllamaBinary({ binary: '/no/such/ollama' })).rejects.toMatchObject({
      code: 'not_installed'
    })
  })

  it('treats llama3 and llama3:latest as the same model, but keeps explicit tags', () => {
    expect(normaliseModelName('llama3')).toBe('llama3:latest')
    expect(normaliseModelName('qwen2.5:0.5b')).toBe('qwen2.5:0.5b')
    expect(normaliseModelName('registry.local:5000/me/model')).toBe(
      'registry.local:5000/me/model:latest'
    )
  })
})

describe('Modelfile parsing', () => {
  it('reads FROM, PARAMETER (numbers, repeated stop), SYSTEM, TEMPLATE in """…""", LICENSE, ADAPTER, MESSAGE and comments', () => {
    const spec = parseModelfile(
      [
        '# a comment',
        'from qwen2.5:0.5b',
        'PARAMETER temperature 0.2',
        'PARAMETER num_ctx 4096',
        'PARAMETER stop "<|im_end|>"',
        'PARAMETER stop <|endoftext|>',
        'SYSTEM """You are terse.',
        '# not a comment inside quotes',
        'Answer in one line."""',
        'TEMPLATE """{{ .System }} {{ .Prompt }}"""',
        'LICENSE "Apache-2.0"',
        'ADAPTER ./lora.gguf',
        'MESSAGE user Is the sky blue?',
        'MESSAGE assistant """Yes."""'
      ].join('\n')
    )
    expect(spec).toEqual({
      from: 'qwen2.5:0.5b',
      parameters: { temperature: 0.2, num_ctx: 4096, stop: ['<|im_end|>', '<|endoftext|>'] },
      system: 'You are terse.\n# not a comment inside quotes\nAnswer in one line.',
      template: '{{ .System }} {{ .Prompt }}',
      license: ['Apache-2.0'],
      adapters: ['./lora.gguf'],
      messages: [
        { role: 'user', content: 'Is the sky blue?' },
        { role: 'assistant', content: 'Yes.' }
      ]
    })
  })

  it('names the line of an unknown instruction, an unterminated """ and a missing FROM', () => {
    expect(() => parseModelfile('FROM x\nPARAMETR temperature 1')).toThrow(
      /line 2: unknown instruction "PARAMETR"/
    )
    expect(() => parseModelfile('FROM x\nSYSTEM """never closed')).toThrow(
      /line 2: unterminated """/
    )
    expect(() => parseModelfile('SYSTEM hi')).toThrow(/no FROM/)
    expect(() => parseModelfile('FROM x\nMESSAGE robot hi')).toThrow(/role must be/)
  })
})

describe('constrained routing schema', () => {
  it('is exactly {type:object, properties:{route:{type:string, enum}}, required:[route], additionalProperties:false}', () => {
    expect(choiceSchema(['billing', 'tech'])).toEqual({
      type: 'object',
      properties: { route: { type: 'string', enum: ['billing', 'tech'] } },
      required: ['route'],
      additionalProperties: false
    })
  })
})

describe('Ollama manager against the API fixture', () => {
  let fake: FakeOllama
  let ollama: OllamaManager
  beforeEach(async () => {
    fake = await startFakeOllama({
      models: [
        { name: 'qwen2.5:0.5b' },
        { name: 'llama3.2', family: 'llama', parameterSize: '3.2B' }
      ]
    })
    ollama = new OllamaManager({ env: { OLLAMA_HOST: `127.0.0.1:${fake.port}` } })
    expect(await ollama.attach()).toBe('0.12.3')
  })
  afterEach(async () => {
    await ollama.stop()
    await fake.close()
  })

  it('attaches through OLLAMA_HOST and fails clearly when nothing answers there', async () => {
    expect(ollama.baseUrl).toBe(fake.url)
    expect(ollama.openAIBaseUrl).toBe(`${fake.url}/v1`)
    expect(ollama.managed).toBe(false)
    const nobody = new OllamaManager({ host: '127.0.0.1:9' })
    await expect(nobody.attach()).rejects.toThrow(
      /no Ollama server answers at http:\/\/127\.0\.0\.1:9/
    )
    expect(() => nobody.baseUrl).toThrow(/not connected/)
  })

  it('lists models with their details and matches names with or without :latest', async () => {
    const list = await ollama.list()
    expect(list.map((m) => m.name)).toEqual(['qwen2.5:0.5b', 'llama3.2:latest'])
    expect(list[1]).toMatchObject({
      family: 'llama',
      parameterSize: '3.2B',
      quantisation: 'Q4_K_M'
    })
    expect(await ollama.has('llama3.2')).toBe(true)
    expect(await ollama.has('mistral')).toBe(false)
  })

  it('pulls with streamed progress up to the layer total and success, then lists the model', async () => {
    const seen: OllamaProgress[] = []
    await ollama.pull('tinyllama:1.1b', { onProgress: (p) => seen.push(p) })
    expect(seen[0]?.status).toBe('pulling manifest')
    const layer = seen.filter((p) => p.digest)
    expect(layer.length).toBeGreaterThan(2)
    expect(layer.at(-1)?.completed).toBe(layer.at(-1)?.total)
    expect(seen.at(-1)?.status).toBe('success')
    expect(await ollama.has('tinyllama:1.1b')).toBe(true)
  })

  it('fails a pull of an unknown model with Ollama’s message instead of reporting success', async () => {
    await expect(ollama.pull('no-such-model')).rejects.toThrow(
      /pull no-such-model failed: pull model manifest: file does not exist/
    )
  })

  it('deletes a model, and says so when it does not exist', async () => {
    await ollama.delete('llama3.2')
    expect(await ollama.has('llama3.2')).toBe(false)
    await expect(ollama.delete('llama3.2')).rejects.toMatchObject({ code: 'request_failed' })
  })

  it('shows a model’s details', async () => {
    const info = await ollama.show('qwen2.5:0.5b')
    expect(info.details.family).toBe('qwen2')
    expect(info.capabilities).toContain('completion')
  })

  it('loads with an empty prompt and keep_alive, lists it as running, and unloads with keep_alive 0', async () => {
    await ollama.load('qwen2.5:0.5b', '10m')
    const loadReq = fake.requests.find((r) => r.path === '/api/generate')
    expect(loadReq?.body).toMatchObject({
      model: 'qwen2.5:0.5b',
      prompt: '',
      keep_alive: '10m',
      stream: false
    })
    expect((await ollama.running()).map((m) => m.name)).toEqual(['qwen2.5:0.5b'])
    await ollama.unload('qwen2.5:0.5b')
    expect(fake.requests.filter((r) => r.path === '/api/generate').at(-1)?.body.keep_alive).toBe(0)
    expect(await ollama.running()).toEqual([])
  })

  it('ensureModel pulls a missing model name and leaves a present one alone', async () => {
    expect(await ollama.ensureModel('tinyllama:1.1b')).toBe('tinyllama:1.1b')
    expect(
      fake.requests.filter((r) => r.path === '/api/pull').map((r) => r.body.name ?? r.body.model)
    ).toEqual(['tinyllama:1.1b'])
    expect(await ollama.ensureModel('qwen2.5:0.5b')).toBe('qwen2.5:0.5b')
    expect(fake.requests.filter((r) => r.path === '/api/pull')).toHaveLength(1)
  })

  it('ensureModel creates a model from a .Modelfile, pulling its FROM first and merging composition parameters', async () => {
    const dir = path.join(tmp, 'modelfiles')
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      path.join(dir, 'Support-Bot.Modelfile'),
      'FROM tinyllama:1.1b\nPARAMETER temperature 0.9\nPARAMETER stop "User:"\nSYSTEM You help with support.\n'
    )
    const name = await ollama.ensureModel('Support-Bot.Modelfile', {
      baseDir: dir,
      parameters: { temperature: 0.1, num_ctx: 2048, system: 'Override.', nested: { x: 1 } }
    })
    expect(name).toBe('support-bot')
    const paths = fake.requests.map((r) => r.path)
    expect(paths.indexOf('/api/pull')).toBeLessThan(paths.indexOf('/api/create'))
    const create = fake.requests.find((r) => r.path === '/api/create')?.body
    expect(create).toMatchObject({
      model: 'support-bot',
      from: 'tinyllama:1.1b',
      system: 'Override.',
      parameters: { temperature: 0.1, num_ctx: 2048, stop: ['User:'] }
    })
    expect(create.parameters.nested).toBeUndefined()
    expect(await ollama.has('support-bot')).toBe(true)
  })

  it('ensureModel uploads a Modelfile’s local FROM GGUF as a blob and creates from its digest', async () => {
    const dir = path.join(tmp, 'gguf-modelfile')
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, 'tiny.gguf'), sampleGguf())
    writeFileSync(path.join(dir, 'tiny.Modelfile'), 'FROM ./tiny.gguf\n')
    const name = await ollama.ensureModel(path.join(dir, 'tiny.Modelfile'))
    expect(name).toBe('tiny')
    const blobCalls = fake.requests
      .filter((r) => r.path.startsWith('/api/blobs/'))
      .map((r) => r.method)
    expect(blobCalls).toEqual(['HEAD', 'POST'])
    const create = fake.requests.find((r) => r.path === '/api/create')?.body
    expect(Object.keys(create.files)).toEqual(['tiny.gguf'])
    expect(create.files['tiny.gguf']).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(fake.blobs.has(create.files['tiny.gguf'])).toBe(true)
  })

  it('ensureModel reports an unreadable Modelfile with its path', async () => {
    await expect(ollama.ensureModel('missing.Modelfile', { baseDir: tmp })).rejects.toThrow(
      /cannot read Modelfile .*missing\.Modelfile/
    )
  })

  it('the OpenAI /v1 endpoint of the same server works through OpenAICompatibleProvider', async () => {
    const p = new OpenAICompatibleProvider({ baseUrl: ollama.openAIBaseUrl, maxRetries: 0 })
    const res = await p.chat({
      model: 'qwen2.5:0.5b',
      messages: user('route me to tech'),
      params: {},
      choice: { options: ['billing', 'tech'] }
    })
    expect(JSON.parse(res.content ?? '')).toEqual({ route: 'tech' })
  })
})

describe('OllamaProvider against the API fixture', () => {
  let fake: FakeOllama
  let provider: OllamaProvider
  beforeEach(async () => {
    fake = await startFakeOllama({ models: [{ name: 'qwen2.5:0.5b' }] })
    provider = new OllamaProvider({ baseUrl: `${fake.url}/v1`, retryBaseMs: 1 })
  })
  afterEach(() => fake.close())

  it('routes through /api/chat with `format` set to the enum schema, and the answer is one of the options', async () => {
    const res = await provider.chat({
      model: 'qwen2.5:0.5b',
      messages: user('My invoice is wrong, billing please'),
      params: { temperature: 0, max_tokens: 64 },
      choice: { options: ['tech', 'billing'] }
    })
    const sent = fake.requests.find((r) => r.path === '/api/chat')?.body
    expect(sent.format).toEqual(choiceStringSchema(['tech', 'billing']))
    expect(sent.stream).toBe(false)
    expect(sent.options).toEqual({ temperature: 0, num_predict: 64 })
    // A bare JSON string: no object wrapper to sample, no free whitespace before the name.
    expect(JSON.parse(res.content ?? '')).toBe('billing')
    expect(parseRouteAnswer(res.content ?? '', ['tech', 'billing'])).toBe('billing')
    expect(res.constrained).toBe(true)
    expect(res.finishReason).toBe('stop')
    expect(res.usage?.total_tokens).toBe(
      (res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0)
    )
  })

  it('maps OpenAI parameters onto Ollama options and messages onto native roles', async () => {
    await provider.chat({
      model: 'qwen2.5:0.5b',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hi ' },
            { type: 'text', text: 'there' }
          ]
        }
      ],
      params: {
        temperature: 0.3,
        top_p: 0.9,
        max_completion_tokens: 10,
        stop: 'END',
        seed: 7,
        response_format: { type: 'json_object' }
      }
    })
    const sent = fake.requests.find((r) => r.path === '/api/chat')?.body
    expect(sent.options).toEqual({
      temperature: 0.3,
      top_p: 0.9,
      seed: 7,
      num_predict: 10,
      stop: ['END']
    })
    expect(sent.format).toBe('json')
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi there' }
    ])
  })

  it('maps the rest of the client fields: samplers, reasoning_effort, functions, logprobs; refuses one it cannot send (fails if a field is dropped silently)', () => {
    const body = provider.request({
      model: 'qwen3',
      messages: user('x'),
      params: {
        top_k: 40,
        min_p: 0.05,
        repeat_penalty: 1.1,
        reasoning_effort: 'low',
        functions: [{ name: 'f', parameters: { type: 'object' } }],
        logprobs: true,
        top_logprobs: 2,
        user: 'u1',
        metadata: { a: 'b' },
        parallel_tool_calls: false
      }
    })
    expect(body.options).toMatchObject({ top_k: 40, min_p: 0.05, repeat_penalty: 1.1 })
    expect(body.think).toBe('low')
    expect(body.tools).toEqual([
      { type: 'function', function: { name: 'f', parameters: { type: 'object' } } }
    ])
    expect(body).toMatchObject({ logprobs: true, top_logprobs: 2 })
    expect(provider.request({ model: 'm', messages: user('x'), params: {} }).think).toBeUndefined()
    expect(
      provider.request({ model: 'm', messages: user('x'), params: { reasoning_effort: 'none' } })
        .think
    ).toBe(false)
    let err: unknown
    try {
      provider.request({ model: 'm', messages: user('x'), params: { logit_bias: { 1: 2 } } })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).status).toBe(400)
    expect((err as AppError).options.param).toBe('logit_bias')
    expect((err as Error).message).toContain('"logit_bias"')
  })

  it('passes thinking on as reasoning, and numbers streamed tool calls across lines (fails if thoughts are dropped or two calls share index 0)', async () => {
    fake.chatReplies.push({ content: 'Done.', thinking: 'Hmm, let me see.' })
    const res = await provider.chat({ model: 'qwen2.5:0.5b', messages: user('x'), params: {} })
    expect(res.reasoningContent).toBe('Hmm, let me see.')

    const calls = [
      { function: { name: 'a', arguments: { x: 1 } } },
      { function: { name: 'b', arguments: { y: 2 } } }
    ]
    fake.chatReplies.push({ content: 'ok', thinking: 'Two tools.', toolCalls: calls })
    let thinking = ''
    const streamed: { index: number; id: string; function: { name: string } }[] = []
    const end = await provider.stream(
      { model: 'qwen2.5:0.5b', messages: user('x'), params: {} },
      (d) => {
        thinking += d.reasoningContent ?? ''
        streamed.push(...((d.toolCalls ?? []) as typeof streamed))
      }
    )
    expect(thinking).toBe('Two tools.')
    expect(streamed.map((c) => [c.index, c.id, c.function.name])).toEqual([
      [0, 'call_0', 'a'],
      [1, 'call_1', 'b']
    ])
    expect(end.finishReason).toBe('tool_calls')
  })

  it('streams deltas that add up to the whole answer, with usage and finish reason from the final line', async () => {
    const deltas: string[] = []
    const end = await provider.stream(
      { model: 'qwen2.5:0.5b', messages: user('tell me more'), params: {} },
      (d) => {
        if (d.content) deltas.push(d.content)
      }
    )
    expect(deltas.length).toBeGreaterThan(2)
    expect(deltas.join('')).toBe('qwen2.5:0.5b says: tell me more')
    expect(end.finishReason).toBe('stop')
    expect(end.usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: deltas.length,
      total_tokens: 3 + deltas.length
    })
    expect(fake.requests.find((r) => r.path === '/api/chat')?.body.stream).toBe(true)
  })

  it('reports a length stop when num_predict cuts the answer', async () => {
    const end = await provider.stream(
      { model: 'qwen2.5:0.5b', messages: user('a b c d e f'), params: { max_tokens: 2 } },
      () => undefined
    )
    expect(end.finishReason).toBe('length')
  })

  it('retries a 5xx before anything was streamed, and does not retry a 404', async () => {
    fake.chatReplies.push({ status: 500, error: 'llama runner process has terminated' })
    const res = await provider.chat({ model: 'qwen2.5:0.5b', messages: user('x'), params: {} })
    expect(res.content).toContain('says: x')
    expect(fake.requests.filter((r) => r.path === '/api/chat')).toHaveLength(2)

    const err = await provider
      .chat({ model: 'absent', messages: user('x'), params: {} })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    // A refusal keeps its status (and is not retried): not a 502 the client's SDK would retry.
    expect((err as AppError).code).toBe('upstream_rejected')
    expect((err as AppError).status).toBe(404)
    expect((err as Error).message).toMatch(/answered 404: model 'absent' not found/)
    // The ollama client's own error stays reachable for logs and debugging.
    expect((err as AppError).cause).toMatchObject({ name: 'ResponseError', status_code: 404 })
  })

  it('fails with upstream_error naming the host when Ollama is not running', async () => {
    const down = new OllamaProvider({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0 })
    const err = await down
      .chat({ model: 'm', messages: user('x'), params: {} })
      .catch((e: unknown) => e)
    expect((err as AppError).code).toBe('upstream_error')
    expect((err as Error).message).toContain('127.0.0.1:9')
  })

  it('answers 504 upstream_timeout when Ollama goes silent before its status line, mid-stream or mid-body (fails if a hung server hangs the request)', async () => {
    const quick = new OllamaProvider({ baseUrl: fake.url, readTimeoutMs: 150, retryBaseMs: 1 })
    const ask = { model: 'qwen2.5:0.5b', messages: user('one two three'), params: {} }
    const timedOut = (e: unknown): boolean =>
      e instanceof AppError && e.code === 'upstream_timeout' && e.status === 504

    fake.chatReplies.push({ stall: 'headers' })
    const t0 = Date.now()
    const before = await quick.chat(ask).catch((e: unknown) => e)
    expect(timedOut(before), String(before)).toBe(true)
    expect((before as Error).message).toMatch(/sent nothing for 150 ms/)
    expect(Date.now() - t0).toBeLessThan(5000)

    fake.chatReplies.push({ stall: 'body' })
    expect(timedOut(await quick.chat(ask).catch((e: unknown) => e))).toBe(true)

    fake.chatReplies.push({ stall: 'body' })
    const deltas: string[] = []
    const mid = await quick
      .stream(ask, (d) => void deltas.push(d.content ?? ''))
      .catch((e: unknown) => e)
    expect(timedOut(mid), String(mid)).toBe(true)
    expect(deltas).toHaveLength(1)
    // A timeout is not retried: each stalled answer was asked for once.
    expect(fake.requests.filter((r) => r.path === '/api/chat')).toHaveLength(3)
  })

  it('a slow consumer is not taken for a silent server (fails if the read timer runs while we are busy writing)', async () => {
    const quick = new OllamaProvider({ baseUrl: fake.url, readTimeoutMs: 100 })
    let text = ''
    const end = await quick.stream(
      { model: 'qwen2.5:0.5b', messages: user('one two three'), params: {} },
      async (d) => {
        text += d.content ?? ''
        await new Promise((r) => setTimeout(r, 250))
      }
    )
    expect(end.finishReason).toBe('stop')
    expect(text.length).toBeGreaterThan(0)
  })

  it('stops streaming when the request is cancelled', async () => {
    const cancel = new Cancellation()
    let n = 0
    const done = provider.stream(
      { model: 'qwen2.5:0.5b', messages: user('one two three four five six seven'), params: {} },
      () => {
        if (++n === 2) cancel.abort()
      },
      { signal: cancel }
    )
    const err = await done.catch((e: unknown) => e)
    // Rejects with the cancellation's reason, as OpenAICompatibleProvider does.
    expect(err).toBe(cancel.reason)
    expect(n).toBe(2)
  })
})

describe('managed `ollama serve` (a stand-in binary)', () => {
  /** Writes an `ollama` wrapper that runs tests/support/fake-ollama-bin.ts through tsx. */
  function fakeBinary(): string {
    const dir = mkdtempSync(path.join(tmp, 'bin-'))
    const file = path.join(dir, 'ollama')
    const loader = path.join(repo, 'node_modules/tsx/dist/loader.mjs')
    const script = path.join(repo, 'tests/support/fake-ollama-bin.ts')
    writeFileSync(
      file,
      `#!/bin/sh\nexec "${process.execPath}" --import "${loader}" "${script}" "$@"\n`
    )
    chmodSync(file, 0o755)
    return file
  }
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }

  it('starts on a free port, waits for /api/version by polling, serves requests, and stop() ends the process', async () => {
    const pidfile = path.join(tmp, 'pid-ok')
    const m = new OllamaManager({
      binary: fakeBinary(),
      env: { ...process.env, FAKE_OLLAMA_DELAY_MS: '300', FAKE_OLLAMA_PIDFILE: pidfile }
    })
    try {
      expect(await m.startManaged()).toBe('0.12.3')
      expect(m.managed).toBe(true)
      expect(m.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(m.baseUrl).not.toContain(':11434')
      expect((await m.list()).map((x) => x.name)).toEqual(['qwen2.5:0.5b'])
    } finally {
      await m.stop()
    }
    expect(alive(Number(readFileSync(pidfile, 'utf8')))).toBe(false)
    expect(m.managed).toBe(false)
  })

  it('reports a server that exits during start-up with its own error output', async () => {
    const m = new OllamaManager({
      binary: fakeBinary(),
      env: { ...process.env, FAKE_OLLAMA_FAIL: '1' }
    })
    const err = await m.startManaged().catch((e: unknown) => e)
    expect((err as OllamaError).code).toBe('start_failed')
    expect((err as Error).message).toMatch(/exited with code 1 before it was ready/)
    expect((err as Error).message).toContain('address already in use')
  })

  it('kills a server that ignores SIGTERM after the stop budget', async () => {
    const pidfile = path.join(tmp, 'pid-stubborn')
    const m = new OllamaManager({
      binary: fakeBinary(),
      stopTimeoutMs: 300,
      env: { ...process.env, FAKE_OLLAMA_IGNORE_SIGTERM: '1', FAKE_OLLAMA_PIDFILE: pidfile }
    })
    await m.startManaged()
    const t0 = Date.now()
    await m.stop()
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250)
    expect(alive(Number(readFileSync(pidfile, 'utf8')))).toBe(false)
  })

  it('says ollama is not installed when there is no binary to start', async () => {
    const m = new OllamaManager({ env: { PATH: '/nonexistent' } })
    await expect(m.startManaged()).rejects.toMatchObject({
      code: 'not_installed',
      message: expect.stringMatching(/ollama is not installed/)
    })
    const c = new OllamaManager({ host: '127.0.0.1:9', env: { PATH: '/nonexistent' } })
    await expect(c.connect()).rejects.toThrow(
      /no Ollama server answers .* and ollama is not installed/
    )
  })

  it('connect() starts a managed server when none is running but the binary exists', async () => {
    const m = new OllamaManager({
      host: '127.0.0.1:9',
      binary: fakeBinary(),
      env: { ...process.env }
    })
    try {
      await m.connect()
      expect(m.managed).toBe(true)
    } finally {
      await m.stop()
    }
  })
})

const realOllama = await findOllamaBinary().catch(() => undefined)
const describeReal = realOllama ? describe : describe.skip

describeReal(
  realOllama
    ? `real ollama (${realOllama})`
    : 'real ollama: skipped because ollama is not installed (no `ollama` on PATH)',
  () => {
    it('prints its version', async () => {
      const { stdout, stderr } = await promisify(execFile)(realOllama ?? 'ollama', ['--version'])
      expect(`${stdout}${stderr}`).toMatch(/\d+\.\d+/)
    })

    it('runs a managed `ollama serve` on a free port and stops it', async () => {
      const m = new OllamaManager({ binary: realOllama, readyTimeoutMs: 20_000 })
      try {
        expect(await m.startManaged()).toMatch(/\d+\.\d+/)
        expect(Array.isArray(await m.list())).toBe(true)
        expect(await m.running()).toEqual([])
      } finally {
        await m.stop()
      }
    })
  }
)
