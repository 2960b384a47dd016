import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OpenAICompatibleProvider } from '../providers/openai-compatible'
import { LlamaCppProcess, LlamaProcessError, type LlamaProcessStatus } from './process'
import { type ForkLike, nodeFork, type WorkerChild, workerEntry } from './worker-fork'
import {
  WORKER_EXIT,
  type ParentToWorker,
  type ReadyMessage,
  type RequestMessage
} from './protocol'
import { writeTinyGguf } from './tiny-gguf'
import { rawRequest } from '../../../../tests/support/harness'

let dir: string
let modelPath: string
/** Handles to stop in afterAll whatever a failed test left running. */
const handles: LlamaCppProcess[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmnet-llama-'))
  modelPath = (await writeTinyGguf(join(dir, 'tiny.gguf'))).path
})

afterAll(async () => {
  await Promise.all(handles.map((h) => h.stop()))
  await rm(dir, { recursive: true, force: true })
})

function handle(
  opts: Partial<ConstructorParameters<typeof LlamaCppProcess>[0]> = {}
): LlamaCppProcess {
  const h = new LlamaCppProcess({ modelPath, contextSize: 2048, startTimeoutMs: 20_000, ...opts })
  handles.push(h)
  return h
}

/** Resolves with the first status (current or emitted) that matches; no polling, no sleeps. */
function waitForStatus(
  h: LlamaCppProcess,
  match: (s: LlamaProcessStatus) => boolean,
  timeoutMs = 15_000
): Promise<LlamaProcessStatus> {
  return new Promise((resolve, reject) => {
    const now = h.status()
    if (match(now)) return resolve(now)
    const timer = setTimeout(() => {
      off()
      reject(
        new Error(
          `status did not match within ${timeoutMs} ms; last: ${JSON.stringify(h.status())}`
        )
      )
    }, timeoutMs)
    const off = h.on('status', (s) => {
      if (!match(s)) return
      clearTimeout(timer)
      off()
      resolve(s)
    })
  })
}

/**
 * The worker's per-request reports, matched to an answer by its usage: the IPC report and the HTTP
 * answer travel on different channels, so either may arrive first.
 */
function requestLog(
  h: LlamaCppProcess
): (usage: { prompt_tokens: number; completion_tokens: number }) => Promise<RequestMessage> {
  const seen: RequestMessage[] = []
  const waiting: (() => void)[] = []
  h.on('request', (m) => {
    seen.push(m)
    for (const w of waiting.splice(0)) w()
  })
  return (usage) =>
    new Promise((resolve) => {
      const check = (): void => {
        const i = seen.findIndex(
          (m) =>
            m.promptTokens === usage.prompt_tokens && m.completionTokens === usage.completion_tokens
        )
        if (i >= 0) resolve(seen.splice(i, 1)[0] as RequestMessage)
        else waiting.push(check)
      }
      check()
    })
}

async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await rawRequest(url, { path: url })
  return { status: res.status, body: res.text }
}

async function httpPost(url: string, payload: unknown): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload)
  const headers = { 'content-type': 'application/json' }
  const res = await rawRequest(url, { method: 'POST', path: url, headers, body })
  return { status: res.status, body: res.text }
}

interface UsageWithDetails {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens: number }
}

/** The router's prompt, as the engine builds it: a long constant system part, then the user text. */
const ROUTER_SYSTEM = [
  'You are a request router. Choose the one handler best suited to the request that follows.',
  '',
  'Handlers:',
  '- "alpha": Product questions, pricing, discounts, plans and feature comparisons for every customer segment we serve.',
  '- "beta": Order status, shipping issues, returns, refunds, damaged goods and delivery address changes.',
  '',
  'Reply with JSON only, in the form {"route": "<handler name>"}, using a name from the list exactly as written.'
].join('\n')

describe('LlamaCppProcess with the real worker', () => {
  let h: LlamaCppProcess
  let provider: OpenAICompatibleProvider
  let baseUrl: string
  let forks = 0
  let served: ReturnType<typeof requestLog>

  beforeAll(async () => {
    const counting: ForkLike = (entry, args) => {
      forks++
      return nodeFork(entry, args)
    }
    h = handle({ fork: counting })
    const [a, b] = await Promise.all([h.start(), h.start()])
    expect(a.pid).toBe(b.pid)
    baseUrl = a.baseUrl as string
    provider = new OpenAICompatibleProvider({ baseUrl, maxRetries: 0 })
    served = requestLog(h)
  })

  it('joins concurrent start() calls into one worker and resolves on its ready message (catches double forks)', () => {
    expect(forks).toBe(1)
    const s = h.status()
    expect(s.state).toBe('ready')
    expect(s.pid).toBeGreaterThan(0)
    expect(s.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/)
    expect(s.loadedSince).toBeGreaterThan(0)
    expect(s.contextSize).toBeGreaterThanOrEqual(2048)
    // Tiny model (< 50 MB): one thread, whatever the machine.
    expect(s.threads).toBe(1)
    expect(s.gpu === false || ['cuda', 'vulkan', 'metal'].includes(s.gpu as string)).toBe(true)
    expect(s.memory?.ramBytes).toBeGreaterThan(0)
  })

  it('answers GET /health and GET /v1/models (catches a worker that only serves completions)', async () => {
    const health = await httpGet(`${baseUrl.replace(/\/v1$/, '')}/health`)
    expect(health.status).toBe(200)
    const body = JSON.parse(health.body) as Record<string, unknown>
    expect(body).toMatchObject({
      status: 'ok',
      model: 'tiny',
      threads: 1,
      slots: { busy: 0, total: 1 }
    })
    expect(body).toHaveProperty('gpu')
    expect(body).toHaveProperty('gpuLayers')
    expect(body).toHaveProperty('memory.rssBytes')
    const models = JSON.parse((await httpGet(`${baseUrl}/models`)).body) as {
      data: { id: string }[]
    }
    expect(models.data[0]?.id).toBe('tiny')
  })

  it('serves a non-streaming completion through OpenAICompatibleProvider with usage (catches missing or inconsistent usage)', async () => {
    const res = await provider.chat({
      model: 'tiny',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say something.' }
      ],
      params: { max_tokens: 12, seed: 1 }
    })
    expect(typeof res.content).toBe('string')
    expect(res.content?.length).toBeGreaterThan(0)
    expect(res.finishReason).toBe('length')
    const usage = res.usage as UsageWithDetails
    expect(usage.completion_tokens).toBe(12)
    expect(usage.prompt_tokens).toBeGreaterThan(10)
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens)
    expect(usage.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(0)
    const m = await served(usage)
    expect(m).toMatchObject({ ok: true, promptTokens: usage.prompt_tokens, completionTokens: 12 })
    expect(m.tokensPerSecond).toBeGreaterThan(0)
    expect(h.status().tokensPerSecond).toBeGreaterThan(0)
    expect(h.status().state).toBe('ready')
  })

  it('streams in OpenAI SSE format through the provider, with the usage chunk (catches a stream without usage or [DONE])', async () => {
    const deltas: string[] = []
    const end = await provider.stream(
      {
        model: 'tiny',
        messages: [{ role: 'user', content: 'Stream please.' }],
        params: { max_tokens: 10, seed: 2 }
      },
      (d) => {
        if (d.content) deltas.push(d.content)
      }
    )
    expect(end.finishReason).toBe('length')
    expect(end.usage?.completion_tokens).toBe(10)
    expect(deltas.join('').length).toBeGreaterThan(0)

    const raw = await httpPost(`${baseUrl}/chat/completions`, {
      model: 'tiny',
      messages: [{ role: 'user', content: 'Stream please.' }],
      max_tokens: 4,
      stream: true,
      stream_options: { include_usage: true }
    })
    const events = raw.body.split('\n\n').filter(Boolean)
    expect(events.every((e) => e.startsWith('data: '))).toBe(true)
    expect(events.at(-1)).toBe('data: [DONE]')
    const chunks = events.slice(0, -1).map(
      (e) =>
        JSON.parse(e.slice(6)) as {
          object: string
          choices: { delta: { role?: string }; finish_reason: string | null }[]
          usage: unknown
        }
    )
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true)
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant')
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('length')
    expect(chunks.at(-1)?.choices).toEqual([])
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: 4 })
  })

  it('honours stop, streaming or not, never emitting the stop text (catches stop strings leaking into the answer)', async () => {
    const params = {
      grammar: 'root ::= "hello world, stop here please"',
      stop: ['stop'],
      max_tokens: 40
    }
    const res = await provider.chat({
      model: 'tiny',
      messages: [{ role: 'user', content: 'greet' }],
      params
    })
    expect(res.content).toBe('hello world, ')
    expect(res.finishReason).toBe('stop')
    const deltas: string[] = []
    const end = await provider.stream(
      {
        model: 'tiny',
        messages: [{ role: 'user', content: 'greet' }],
        params: { ...params, stop: 'stop' }
      },
      (d) => {
        if (d.content) deltas.push(d.content)
      }
    )
    expect(deltas.join('')).toBe('hello world, ')
    expect(end.finishReason).toBe('stop')
  })

  it('constrains a routing answer with response_format json_schema: the random model still names alpha or beta (catches an ignored schema)', async () => {
    for (const [content, temperature] of [
      ['What does the pro plan cost?', 0],
      ['Where is my parcel?', 1],
      ['Refund my broken kettle', 1.5]
    ] as const) {
      const res = await provider.chat({
        model: 'tiny',
        messages: [
          { role: 'system', content: ROUTER_SYSTEM },
          { role: 'user', content }
        ],
        params: { temperature, max_tokens: 64, seed: 3 },
        choice: { options: ['alpha', 'beta'] }
      })
      expect(res.constrained).toBe(true)
      const parsed = JSON.parse(res.content ?? '') as { route: string }
      expect(['alpha', 'beta']).toContain(parsed.route)
    }
  })

  it('constrains output with a GBNF grammar and with json_object (catches grammars that are parsed but not applied)', async () => {
    for (const seed of [1, 2, 3]) {
      const res = await provider.chat({
        model: 'tiny',
        messages: [{ role: 'user', content: 'yes or no?' }],
        params: { grammar: 'root ::= ("yes" | "no") "!"', seed, temperature: 1 }
      })
      expect(res.content).toMatch(/^(yes|no)!$/)
    }
    let parsedOne = false
    for (const seed of [1, 2, 3]) {
      const res = await provider.chat({
        model: 'tiny',
        messages: [{ role: 'user', content: 'json' }],
        params: { response_format: { type: 'json_object' }, seed, max_tokens: 200 }
      })
      if (res.finishReason !== 'stop') continue
      expect(() => JSON.parse(res.content ?? '')).not.toThrow()
      parsedOne = true
    }
    expect(parsedOne).toBe(true)
  })

  it('answers 400 to an invalid grammar and keeps serving (catches a bad GBNF crashing the worker)', async () => {
    const bad = await httpPost(`${baseUrl}/chat/completions`, {
      model: 'tiny',
      messages: [{ role: 'user', content: 'x' }],
      grammar: 'root ::= ('
    })
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body)).toMatchObject({ error: { param: 'grammar' } })
    const tooLong = await httpPost(`${baseUrl}/chat/completions`, {
      model: 'tiny',
      messages: [{ role: 'user', content: 'y'.repeat(5000) }]
    })
    expect(tooLong.status).toBe(400)
    expect(JSON.parse(tooLong.body)).toMatchObject({ error: { code: 'context_length_exceeded' } })
    const ok = await provider.chat({
      model: 'tiny',
      messages: [{ role: 'user', content: 'still there?' }],
      params: { max_tokens: 2 }
    })
    expect(ok.usage?.completion_tokens).toBe(2)
    await served(ok.usage as UsageWithDetails)
    expect(h.status()).toMatchObject({ state: 'ready', inflight: 0 })
  })

  it('reuses the router prefix: the second routing request evaluates only its new tokens (catches re-evaluating the system prompt)', async () => {
    const route = async (
      content: string
    ): Promise<{ usage: UsageWithDetails; served: RequestMessage }> => {
      const res = await provider.chat({
        model: 'tiny',
        messages: [
          { role: 'system', content: ROUTER_SYSTEM },
          { role: 'user', content }
        ],
        params: { temperature: 0, max_tokens: 64 },
        choice: { options: ['alpha', 'beta'] }
      })
      const usage = res.usage as UsageWithDetails
      return { usage, served: await served(usage) }
    }
    await route('How much is the enterprise tier?')
    const second = await route('My order never arrived.')
    const cached = second.usage.prompt_tokens_details?.cached_tokens ?? 0
    expect(cached).toBeGreaterThan(0)
    expect(cached + second.served.evaluatedTokens).toBe(second.usage.prompt_tokens)
    // Only the user text and the template's tail are new: far fewer than the whole prompt.
    expect(second.served.evaluatedTokens).toBeLessThan(second.usage.prompt_tokens / 4)
    expect(second.served.evaluatedTokens).toBeGreaterThanOrEqual('My order never arrived.'.length)
    console.info(
      `prefix reuse: prompt ${second.usage.prompt_tokens} tokens, evaluated ${second.served.evaluatedTokens}, cached ${cached}; ` +
        `load ${h.status().loadMs} ms (model ${h.status().modelLoadMs} ms); ${Math.round(h.status().tokensPerSecond ?? 0)} tokens/s`
    )
  })

  it('stop() ends the worker and frees its port (catches an orphaned process)', async () => {
    const { pid } = h.status()
    await h.stop()
    const s = h.status()
    expect(s.state).toBe('stopped')
    expect(s.stopReason).toBe('requested')
    expect(s.pid).toBeNull()
    expect(() => process.kill(pid as number, 0)).toThrow()
    await expect(httpGet(`${baseUrl}/models`)).rejects.toThrow()
  })
})

describe('LlamaCppProcess lifecycle with the real worker', () => {
  it('unloads after idleTtlMs without requests and starts again lazily (catches a model pinned in memory forever)', async () => {
    const h = handle({ idleTtlMs: 300 })
    await h.start()
    const idle = await waitForStatus(h, (s) => s.state === 'stopped')
    expect(idle.stopReason).toBe('idle')
    const baseUrl = await h.ensureStarted()
    expect(h.status().state).toBe('ready')
    const res = await new OpenAICompatibleProvider({ baseUrl, maxRetries: 0 }).chat({
      model: 'tiny',
      messages: [{ role: 'user', content: 'back?' }],
      params: { max_tokens: 2 }
    })
    expect(res.usage?.completion_tokens).toBe(2)
    await h.stop()
  })

  it('restarts a SIGKILLed worker with backoff and serves again (catches a dead handle after a crash)', async () => {
    const h = handle()
    const first = await h.start()
    const seen: LlamaProcessStatus[] = []
    h.on('status', (s) => seen.push(s))
    process.kill(first.pid as number, 'SIGKILL')
    const failed = await waitForStatus(h, (s) => s.state === 'error')
    expect(failed.lastErrorCode).toBe('crashed')
    expect(failed.lastError).toMatch(/SIGKILL/)
    expect(failed.nextRestartAt).toBeGreaterThan(Date.now() - 1000)
    // ensureStarted() during the backoff waits for the scheduled restart.
    const baseUrl = await h.ensureStarted()
    const again = h.status()
    expect(again.state).toBe('ready')
    expect(again.restarts).toBe(1)
    expect(again.pid).not.toBe(first.pid)
    expect(seen.map((s) => s.state)).toEqual(expect.arrayContaining(['error', 'starting', 'ready']))
    const res = await new OpenAICompatibleProvider({ baseUrl, maxRetries: 0 }).chat({
      model: 'tiny',
      messages: [{ role: 'user', content: 'alive?' }],
      params: { max_tokens: 3 }
    })
    expect(res.usage?.completion_tokens).toBe(3)
    await h.stop()
  })

  it('exits with code 0 on SIGTERM after disposing, and the handle reports it (catches a worker killed mid-dispose)', async () => {
    const exits: { code: number | null; signal: string | null }[] = []
    const watching: ForkLike = (entry, args) => {
      const child = nodeFork(entry, args)
      child.onExit((code, signal) => exits.push({ code, signal }))
      return child
    }
    const h = handle({ fork: watching, autoRestart: false })
    const { pid } = await h.start()
    process.kill(pid as number, 'SIGTERM')
    const s = await waitForStatus(h, (st) => st.state === 'error')
    expect(exits).toEqual([{ code: 0, signal: null }])
    expect(s.lastError).toMatch(/exited unexpectedly with code 0/)
    expect(s.nextRestartAt).toBeNull()
  })

  it('refuses a context that cannot fit in memory with a clear message and a distinct exit code, without retrying (catches an OOM crash loop)', async () => {
    const exits: (number | null)[] = []
    const watching: ForkLike = (entry, args) => {
      const child = nodeFork(entry, args)
      child.onExit((code) => exits.push(code))
      return child
    }
    const absurd = handle({ contextSize: 2 ** 30, fork: watching })
    const budget = handle({ memoryBudget: { ramBytes: 1_000_000 }, fork: watching })
    const [a, b] = await Promise.allSettled([absurd.start(), budget.start()])
    for (const [r, h] of [
      [a, absurd],
      [b, budget]
    ] as const) {
      expect(r.status).toBe('rejected')
      const err = (r as PromiseRejectedResult).reason as LlamaProcessError
      expect(err).toBeInstanceOf(LlamaProcessError)
      expect(err.code).toBe('insufficient_memory')
      expect(err.message).toMatch(
        /does not fit in memory: it needs about [\d.]+ [kMGTP]B of RAM .* but only [\d.]+ [kMGTP]?B is free/
      )
      const s = h.status()
      expect(s.state).toBe('error')
      expect(s.nextRestartAt).toBeNull()
    }
    expect(((a as PromiseRejectedResult).reason as Error).message).toMatch(
      /1073741824 context tokens \(n_ctx 1073741824 × parallel 1\).*Lower n_ctx or parallel in the model's parameters/
    )
    await waitForStatus(absurd, (s) => s.pid === null)
    await expect(absurd.ensureStarted()).rejects.toThrow(/does not fit in memory/)
    expect(exits).toEqual([WORKER_EXIT.insufficientMemory, WORKER_EXIT.insufficientMemory])
  })
})

/** An in-memory worker: scripted behaviour, no process. */
class FakeChild implements WorkerChild {
  static nextPid = 90_000
  readonly pid = FakeChild.nextPid++
  readonly sent: ParentToWorker[] = []
  readonly signals: string[] = []
  private messageListeners: ((m: unknown) => void)[] = []
  private exitListeners: ((code: number | null, signal: string | null) => void)[] = []
  exited = false

  constructor(private readonly behaviour: { ignore?: ('shutdown' | 'SIGTERM')[] } = {}) {}
  send(message: ParentToWorker): void {
    this.sent.push(message)
    if (message.type === 'shutdown' && !this.behaviour.ignore?.includes('shutdown'))
      this.exit(0, null)
  }
  kill(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.signals.push(signal)
    if (signal === 'SIGKILL' || !this.behaviour.ignore?.includes('SIGTERM')) this.exit(null, signal)
  }
  onMessage(listener: (m: unknown) => void): void {
    this.messageListeners.push(listener)
  }
  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.exitListeners.push(listener)
  }
  emit(message: unknown): void {
    for (const l of this.messageListeners) l(message)
  }
  exit(code: number | null, signal: string | null): void {
    if (this.exited) return
    this.exited = true
    queueMicrotask(() => {
      for (const l of this.exitListeners) l(code, signal)
    })
  }
  ready(port = 1): void {
    const m: ReadyMessage = {
      type: 'ready',
      port,
      model: 'fake',
      gpu: false,
      gpuLayers: 0,
      totalLayers: 3,
      vramBytes: 0,
      ramBytes: 1,
      contextSize: 512,
      threads: 1,
      parallel: 1,
      loadMs: 1,
      modelLoadMs: 1
    }
    this.emit(m)
  }
}

describe('LlamaCppProcess state machine with an injected fork', () => {
  it('stops retrying after 3 consecutive failed starts until the breaker is reset (catches an endless crash loop)', async () => {
    const children: FakeChild[] = []
    const fork: ForkLike = () => {
      const c = new FakeChild()
      children.push(c)
      setTimeout(() => c.exit(1, null), 5)
      return c
    }
    const h = handle({ fork, restartBaseMs: 10, restartMaxMs: 40, breakerCooldownMs: 3_600_000 })
    await expect(h.start()).rejects.toThrow(/exited with code 1 before it was ready/)
    const open = await waitForStatus(
      h,
      (s) => s.state === 'error' && s.consecutiveFailures === 3 && s.nextRestartAt === null
    )
    const said =
      'crashed 3 times in a row; llmnet stopped restarting it. It will try again in 3600 s, when the pipeline is reloaded, or when you load it.'
    expect(open.lastError).toContain(`model "tiny" ${said}`)
    expect(open.restarts).toBe(2)
    expect(children).toHaveLength(3)
    // Within the cool-down a request does not start it; the reason is said once, in plain words.
    const refused = await h.ensureStarted().then(
      () => undefined,
      (e: LlamaProcessError) => e
    )
    expect(refused).toMatchObject({ code: 'circuit_open' })
    expect(refused?.message.split(said)).toHaveLength(2)
    expect(refused?.message).not.toMatch(/start\(\)|LlamaCppProcess/)
    expect(children).toHaveLength(3)
    // Closing the breaker (a reload, a user's load) lets the next request try again.
    h.resetBreaker()
    expect(h.status()).toMatchObject({ state: 'stopped', consecutiveFailures: 0 })
    await expect(h.ensureStarted()).rejects.toThrow(/before it was ready/)
    expect(children).toHaveLength(4)
    await h.stop()
    expect(h.status().state).toBe('stopped')
    expect(h.status().nextRestartAt).toBeNull()
  })

  it('tries again on the next request once the cool-down has passed, and clears lastError when ready (catches a model dead until restart)', async () => {
    let forks = 0
    const fork: ForkLike = () => {
      const c = new FakeChild()
      // Three crashing starts, then a worker that comes up.
      if (++forks <= 3) setTimeout(() => c.exit(1, null), 5)
      else queueMicrotask(() => c.ready(7))
      return c
    }
    const h = handle({ fork, restartBaseMs: 10, restartMaxMs: 40, breakerCooldownMs: 0 })
    await expect(h.start()).rejects.toThrow()
    await waitForStatus(h, (s) => s.state === 'error' && s.nextRestartAt === null)
    expect(h.status().lastError).toMatch(/try again in 0 s/)
    expect(await h.ensureStarted()).toBe('http://127.0.0.1:7/v1')
    expect(forks).toBe(4)
    expect(h.status()).toMatchObject({ state: 'ready', lastError: null, consecutiveFailures: 0 })
    await h.stop()
  })

  it('bounds stop(): shutdown, then SIGTERM, then SIGKILL for a worker that ignores both (catches a hung stop)', async () => {
    let child: FakeChild | undefined
    const fork: ForkLike = () => {
      child = new FakeChild({ ignore: ['shutdown', 'SIGTERM'] })
      queueMicrotask(() => child?.ready())
      return child
    }
    const h = handle({ fork, stopBudgetMs: 200 })
    await h.start()
    const t0 = performance.now()
    await h.stop()
    expect(performance.now() - t0).toBeLessThan(1000)
    expect(child?.sent.map((m) => m.type)).toEqual(['shutdown'])
    expect(child?.signals).toEqual(['SIGTERM', 'SIGKILL'])
    expect(h.status().state).toBe('stopped')
  })

  it('fails a start that never becomes ready after startTimeoutMs (catches start() hanging forever)', async () => {
    const fork: ForkLike = () => new FakeChild()
    const h = handle({ fork, startTimeoutMs: 50, autoRestart: false })
    await expect(h.start()).rejects.toMatchObject({ code: 'start_timeout' })
    expect(h.status().state).toBe('error')
  })

  it('tracks busy ⇄ ready from the worker request messages (catches idle unload during a request)', async () => {
    let child: FakeChild | undefined
    const fork: ForkLike = () => {
      child = new FakeChild()
      queueMicrotask(() => child?.ready())
      return child
    }
    const h = handle({ fork, idleTtlMs: 30 })
    await h.start()
    child?.emit({ type: 'request-start' })
    expect(h.status().state).toBe('busy')
    // Longer than the idle TTL: a busy worker is never unloaded.
    await expect(waitForStatus(h, (s) => s.state === 'stopped', 120)).rejects.toThrow(
      /did not match/
    )
    child?.emit({
      type: 'request',
      promptTokens: 5,
      evaluatedTokens: 5,
      completionTokens: 3,
      tokensPerSecond: 42,
      durationMs: 1,
      ok: true
    })
    expect(h.status()).toMatchObject({ state: 'ready', tokensPerSecond: 42, inflight: 0 })
    const stopped = await waitForStatus(h, (s) => s.state === 'stopped')
    expect(stopped.stopReason).toBe('idle')
  })
})

describe('workerEntry', () => {
  it('forks the .ts through tsx in a source checkout and the .mjs beside a bundle (catches a bundle forking a missing file)', () => {
    const source = workerEntry(undefined, '')
    expect(source.modulePath).toMatch(/llama-worker\.ts$/)
    expect(source.execArgv[0]).toBe('--import')
    expect(source.execArgv[1]).toMatch(/tsx/)
    const bundled = workerEntry(pathToFileURL(join(dir, 'cli.mjs')).href, '')
    expect(bundled).toEqual({ modulePath: join(dir, 'llama-worker.mjs'), execArgv: [] })
    // LLMNET_WORKER_BUNDLE (the suite's fresh bundle) wins when it names an existing file.
    expect(workerEntry(undefined, modelPath)).toEqual({ modulePath: modelPath, execArgv: [] })
    expect(workerEntry(undefined, join(dir, 'missing.mjs')).modulePath).toMatch(/\.ts$/)
  })
})
