/**
 * The lifecycle of the models llmnet runs, through the whole runtime: `/status` lists every
 * configured local model from the start; a model that crashed too often comes back on a user's
 * load, a reload of its composition or after the cool-down, with a message in plain words; a
 * model's idle timeout unloads it; Ollama models get their parameters and keep-alive. Workers
 * are real child processes (tests/support/fake-worker.mjs); Ollama is a fake HTTP server.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { type ForkLike, nodeFork } from '../src/main/core/local/worker-fork'
import type { RuntimeOptions } from '../src/main/runtime'
import type { ModelRuntimeStatus } from '../src/shared/models/status'
import { startFakeOllama } from './support/fake-ollama'
import { type Json, serve, type Served, tempDir } from './support/harness'

const FAKE_WORKER = fileURLToPath(new URL('./support/fake-worker.mjs', import.meta.url))
const tmp = tempDir('llmnet-lifecycle-')
const gguf = join(tmp.dir, 'fake.gguf')
writeFileSync(gguf, 'GGUF')
afterAll(() => tmp.remove())

const OUTPUT = { name: 'output', adapter: 'output' }

function single(model: Json): Json {
  return {
    models: { tiny: model },
    architecture: [
      { name: 'bot', layer: 0, model: 'tiny', adapter: 'openai-api', 'output-to': ['output'] },
      OUTPUT
    ]
  }
}

/** Forks fake workers with the given behaviours in turn ('answer' after the list). */
function workers(modes: string[]): { fork: ForkLike; count: () => number } {
  let forks = 0
  const fork: ForkLike = (_entry, args) => {
    const n = ++forks
    return nodeFork({ modulePath: FAKE_WORKER, execArgv: [] }, [
      ...args,
      modes[n - 1] ?? 'answer',
      `worker${n}`
    ])
  }
  return { fork, count: () => forks }
}

/** Resolves with the first `model.status` event that matches. */
function statusEvent(
  s: Served,
  match: (m: ModelRuntimeStatus) => boolean
): Promise<ModelRuntimeStatus> {
  return new Promise((resolve) => {
    const off = s.runtime.events.on('model.status', (m) => {
      if (!match(m)) return
      off()
      resolve(m)
    })
  })
}

async function chat(s: Served): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'p', messages: [{ role: 'user', content: 'hi' }] })
  })
  return { status: res.status, body: (await res.json()) as Json }
}

interface StatusBody {
  models: ModelRuntimeStatus[]
  ollama: { installed: boolean; running: boolean; managed: boolean; host: string } | null
}

async function status(s: Served): Promise<StatusBody> {
  return (await (await fetch(`${s.url}/status`)).json()) as StatusBody
}

async function withServer(
  composition: Json,
  opts: RuntimeOptions,
  fn: (s: Served) => Promise<void>
): Promise<void> {
  const s = await serve({ p: composition }, { dataDir: tmp.dir, ...opts })
  try {
    await fn(s)
  } finally {
    await s.close()
  }
}

const GAVE_UP =
  'model "tiny" crashed 3 times in a row; llmnet stopped restarting it. It will try again in 3600 s, when the pipeline is reloaded, or when you load it.'

/** Three crashing starts: the first request fails, and the breaker opens. */
async function openBreaker(s: Served): Promise<void> {
  const opened = statusEvent(s, (m) => m.state === 'error' && /in a row/.test(m.lastError ?? ''))
  expect((await chat(s)).status).toBe(503)
  await opened
}

describe('model lifecycle', () => {
  it('/status lists every configured local model as stopped from the start, under its pipeline and key, and Ollama; a used model is ready with gpu false on the CPU (catches models that appear only once used)', async () => {
    const composition: Json = {
      models: {
        tiny: { runner: 'llama-cpp', source: gguf },
        chat: { runner: 'ollama', source: 'qwen2.5:0.5b' },
        big: { runner: 'vllm', source: 'org/model' },
        remote: { runner: 'ollama', source: 'x', endpoint: 'http://127.0.0.1:9' }
      },
      architecture: [
        { name: 'bot', layer: 0, model: 'tiny', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'o', layer: 1, model: 'chat', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'v', layer: 1, model: 'big', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'r', layer: 1, model: 'remote', adapter: 'openai-api', 'output-to': ['output'] },
        OUTPUT
      ]
    }
    const env = { OLLAMA_HOST: '127.0.0.1:1' }
    await withServer(composition, { fork: workers([]).fork, env }, async (s) => {
      const before = await status(s)
      expect(before.models.map((m) => [m.pipeline, m.key, m.runner, m.state])).toEqual([
        ['p', 'tiny', 'llama-cpp', 'stopped'],
        ['p', 'chat', 'ollama', 'stopped'],
        ['p', 'big', 'vllm', 'stopped']
      ])
      expect(before.ollama).toEqual({
        installed: false,
        running: false,
        managed: false,
        host: 'http://127.0.0.1:1',
        version: null
      })
      expect((await chat(s)).status).toBe(200)
      const tiny = (await status(s)).models.filter((m) => m.key === 'tiny')
      expect(tiny).toHaveLength(1)
      expect(tiny[0]).toMatchObject({ pipeline: 'p', state: 'ready', gpu: false, lastError: null })
      expect(tiny[0]?.pid).toBeGreaterThan(0)
    })
  })

  it('after 3 crashes the message is said once in plain words; a load by the user starts the model again and clears lastError (catches a model dead until llmnet restarts)', async () => {
    const w = workers(['crash', 'crash', 'crash'])
    await withServer(
      single({ runner: 'llama-cpp', source: gguf }),
      {
        fork: w.fork,
        breakerCooldownMs: 3_600_000
      },
      async (s) => {
        await openBreaker(s)
        const refused = await chat(s)
        expect(refused.status).toBe(503)
        const message = (refused.body.error as { message: string }).message
        expect(message.split(GAVE_UP)).toHaveLength(2)
        expect(message).not.toMatch(/start\(\)|LlamaCppProcess|llama-cpp:/)
        expect(w.count()).toBe(3)

        const pipeline = s.runtime.pipelines.get('p')
        if (!pipeline) throw new Error('no pipeline p')
        await s.runtime.models.load(pipeline, 'tiny')
        expect(w.count()).toBe(4)
        expect((await status(s)).models[0]).toMatchObject({ state: 'ready', lastError: null })
        expect((await chat(s)).status).toBe(200)
      }
    )
  })

  it('a reload of the composition closes the breaker (catches a model that stays dead after the user fixed the file)', async () => {
    const w = workers(['crash', 'crash', 'crash'])
    await withServer(
      single({ runner: 'llama-cpp', source: gguf }),
      {
        fork: w.fork,
        breakerCooldownMs: 3_600_000
      },
      async (s) => {
        await openBreaker(s)
        expect((await chat(s)).status).toBe(503)
        await s.runtime.pipelineService.loadFile(s.files.p as string, true)
        expect((await chat(s)).status).toBe(200)
        expect(w.count()).toBe(4)
      }
    )
  })

  it('after the cool-down the next request starts the model again (catches a breaker that never closes by itself)', async () => {
    const w = workers(['crash', 'crash', 'crash'])
    await withServer(
      single({ runner: 'llama-cpp', source: gguf }),
      {
        fork: w.fork,
        breakerCooldownMs: 0
      },
      async (s) => {
        await openBreaker(s)
        expect((await chat(s)).status).toBe(200)
        expect(w.count()).toBe(4)
      }
    )
  })

  it("a model's idle-timeout unloads it (catches the composition's idle time being ignored)", async () => {
    const model = { runner: 'llama-cpp', source: gguf, 'idle-timeout': 0.05 }
    await withServer(single(model), { fork: workers([]).fork, idleTtlMs: 3_600_000 }, async (s) => {
      const ready = statusEvent(s, (m) => m.state === 'ready')
      const stopped = statusEvent(s, (m) => m.state === 'stopped' && m.pid === null)
      expect((await chat(s)).status).toBe(200)
      await ready
      await stopped
      expect((await status(s)).models[0]).toMatchObject({ state: 'stopped', pid: null })
    })
  })

  it('an Ollama model gets its parameters as options and its idle-timeout as keep_alive; /status shows Ollama running (catches parameters silently ignored)', async () => {
    const ollama = await startFakeOllama({ models: [{ name: 'qwen2.5:0.5b' }] })
    const model = {
      runner: 'ollama',
      source: 'qwen2.5:0.5b',
      'idle-timeout': 120,
      parameters: { temperature: 0.25, num_ctx: 1024 }
    }
    try {
      await withServer(single(model), { env: { OLLAMA_HOST: ollama.url } }, async (s) => {
        expect((await chat(s)).status).toBe(200)
        const sent = ollama.requests.find((r) => r.path === '/api/chat')
        expect(sent?.body).toMatchObject({
          keep_alive: 120,
          options: { temperature: 0.25, num_ctx: 1024 }
        })
        const body = await status(s)
        expect(body.ollama).toMatchObject({ installed: true, running: true, host: ollama.url })
        expect(body.models[0]).toMatchObject({ pipeline: 'p', runner: 'ollama', state: 'ready' })
      })
    } finally {
      await ollama.close()
    }
  })
})
