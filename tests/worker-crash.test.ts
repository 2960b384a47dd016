/**
 * A local model worker that dies during a request, through the whole stack (runtime, HTTP server,
 * LlamaCppProcess restarts): the worker is a real child process (tests/support/fake-worker.mjs)
 * that holds the request until the test SIGKILLs it. A request of which nothing reached the
 * client is sent once more to the restarted worker; one whose answer was already streaming ends
 * with an SSE error event and `[DONE]`, never replayed.
 */
import { EventEmitter, once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { type ForkLike, nodeFork, type WorkerChild } from '../src/main/core/local/worker-fork'
import { type Json, serve, type Served, sseData, tempDir } from './support/harness'

const FAKE_WORKER = fileURLToPath(new URL('./support/fake-worker.mjs', import.meta.url))
const tmp = tempDir('llmnet-crash-')
const gguf = join(tmp.dir, 'fake.gguf')
writeFileSync(gguf, 'GGUF')
afterAll(() => tmp.remove())

const composition: Json = {
  models: { tiny: { runner: 'llama-cpp', source: gguf } },
  architecture: [
    { name: 'bot', layer: 0, model: 'tiny', adapter: 'openai-api', 'output-to': ['output'] },
    { name: 'output', adapter: 'output' }
  ]
}

/** Workers forked with the given behaviours in turn ('answer' after the list). */
interface Scripted {
  fork: ForkLike
  /** The behaviour of each worker that got a request, in order. */
  requests: string[]
  /** Emits 'request' with the worker once it wrote what it is going to write. */
  events: EventEmitter
}

function scripted(modes: string[]): Scripted {
  const requests: string[] = []
  const events = new EventEmitter()
  let forks = 0
  const fork: ForkLike = (_entry, args) => {
    const n = ++forks
    const child = nodeFork({ modulePath: FAKE_WORKER, execArgv: [] }, [
      ...args,
      modes[n - 1] ?? 'answer',
      `worker${n}`
    ])
    child.onMessage((m) => {
      const msg = m as { type?: string; mode?: string }
      if (msg.type !== 'test-request') return
      requests.push(msg.mode ?? '')
      events.emit('request', child)
    })
    return child
  }
  return { fork, requests, events }
}

async function withWorkers(
  modes: string[],
  fn: (s: Served, workers: Scripted) => Promise<void>
): Promise<void> {
  const workers = scripted(modes)
  const s = await serve({ p: composition }, { fork: workers.fork, dataDir: tmp.dir })
  try {
    await fn(s, workers)
  } finally {
    await s.close()
  }
}

function chat(s: Served, stream: boolean): Promise<Response> {
  return fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'p', stream, messages: [{ role: 'user', content: 'hi' }] })
  })
}

/** SIGKILLs each worker that takes a request, `count` times. */
async function killOnRequest(workers: Scripted, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const [child] = (await once(workers.events, 'request')) as [WorkerChild]
    child.kill('SIGKILL')
  }
}

/** The behaviours of the first `n` workers that got a request (the IPC report and the HTTP
 * answer travel on different channels: the report may come second). */
async function requestsSeen(workers: Scripted, n: number): Promise<string[]> {
  while (workers.requests.length < n) await once(workers.events, 'request')
  return workers.requests
}

/** The content of the data events of a stream, and the events themselves. */
function streamed(text: string): { content: string; events: string[] } {
  const events = sseData(text)
  const content = events
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d) as { choices?: { delta?: { content?: string } }[] })
    .map((c) => c.choices?.[0]?.delta?.content ?? '')
    .join('')
  return { content, events }
}

describe('a local worker that crashes during a request', () => {
  it('streamed, before its first token: the request is retried once on the restarted worker and succeeds (catches a crash surfacing as 502)', async () => {
    await withWorkers(['hold'], async (s, workers) => {
      const answer = chat(s, true)
      await killOnRequest(workers, 1)
      const res = await answer
      expect(res.status).toBe(200)
      const { content, events } = streamed(await res.text())
      expect(content).toBe('reply from worker2')
      expect(events.at(-1)).toBe('[DONE]')
      expect(events.some((e) => e.includes('"error"'))).toBe(false)
      expect(await requestsSeen(workers, 2)).toEqual(['hold', 'answer'])
    })
  })

  it('not streamed: the request is retried once on the restarted worker and succeeds (catches a crash surfacing as 502)', async () => {
    await withWorkers(['hold'], async (s, workers) => {
      const answer = chat(s, false)
      await killOnRequest(workers, 1)
      const res = await answer
      expect(res.status).toBe(200)
      const body = (await res.json()) as { choices: { message: { content: string } }[] }
      expect(body.choices[0]?.message.content).toBe('reply from worker2')
      expect(await requestsSeen(workers, 2)).toEqual(['hold', 'answer'])
    })
  })

  it('after tokens were streamed: the client gets them, an error event and [DONE], with no retry (catches a replayed answer)', async () => {
    await withWorkers(['partial'], async (s, workers) => {
      const answer = chat(s, true)
      await killOnRequest(workers, 1)
      const res = await answer
      expect(res.status).toBe(200)
      const { content, events } = streamed(await res.text())
      expect(content).toBe('1 2 ')
      expect(events.at(-1)).toBe('[DONE]')
      expect(JSON.parse(events.at(-2) ?? '{}')).toMatchObject({
        error: { code: 'upstream_error' }
      })
      expect(workers.requests).toEqual(['partial'])
    })
  })

  it('retries only once: a worker that crashes again gives 502 in the envelope (catches a retry loop)', async () => {
    await withWorkers(['hold', 'hold'], async (s, workers) => {
      const answer = chat(s, false)
      await killOnRequest(workers, 2)
      const res = await answer
      expect(res.status).toBe(502)
      expect(await res.json()).toMatchObject({ error: { code: 'upstream_error' } })
      expect(workers.requests).toEqual(['hold', 'hold'])
    })
  })
})
