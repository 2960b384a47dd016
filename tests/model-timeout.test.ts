/**
 * A model's own read timeout (`"timeout": seconds` in the composition) through the whole stack:
 * an external OpenAI-compatible server, an attached Ollama and a local llama.cpp worker that stay
 * silent each give a 504 `upstream_timeout` (or, once an answer is streaming, an SSE error event
 * and `[DONE]`), while the runtime's default read timeout is far longer.
 */
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeFork, type ForkLike } from '../src/main/core/local/worker-fork'
import { validateText } from '../src/shared/config/validate'
import { startFakeOllama } from './support/fake-ollama'
import { type Json, serve, type Served, sseData, tempDir } from './support/harness'

const FAKE_WORKER = fileURLToPath(new URL('./support/fake-worker.mjs', import.meta.url))
/** The runtime's default: a test that waited for it would time out itself. */
const LONG = { timeouts: { readTimeoutMs: 600_000 } }

function single(model: Json): Json {
  return {
    models: { m: model },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  }
}

function chat(s: Served, stream: boolean): Promise<Response> {
  return fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'p', stream, messages: [{ role: 'user', content: 'hi' }] })
  })
}

async function expect504(res: Response): Promise<void> {
  expect(res.status).toBe(504)
  expect(await res.json()).toMatchObject({
    error: { code: 'upstream_timeout', type: 'timeout_error' }
  })
}

async function withServed(
  composition: Json,
  opts: Parameters<typeof serve>[1],
  fn: (s: Served) => Promise<void>
): Promise<void> {
  const s = await serve({ p: composition }, opts)
  try {
    await fn(s)
  } finally {
    await s.close()
  }
}

/**
 * An OpenAI-compatible server that never answers a non-streamed request, and streams two chunks
 * of a streamed one before it falls silent.
 */
let silent: Server
let silentUrl: string
beforeAll(async () => {
  silent = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString('utf8')))
    req.on('end', () => {
      if (!(JSON.parse(body) as { stream?: boolean }).stream) return
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const content of ['', 'a ', 'b ']) {
        const delta = content ? { content } : { role: 'assistant', content }
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta }] })}\n\n`)
      }
    })
  })
  silent.listen(0, '127.0.0.1')
  await once(silent, 'listening')
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
})
afterAll(() => {
  silent.closeAllConnections()
  silent.close()
})

describe('a model timeout in the composition', () => {
  it('is read as seconds and rejected when it is not a positive number, at its path (catches a silently ignored or misread timeout)', () => {
    const text = (timeout: unknown): string =>
      JSON.stringify(single({ type: 'external', url: 'http://127.0.0.1:1', timeout }))
    expect(validateText(text(2.5)).composition?.models.m).toMatchObject({ timeout: 2.5 })
    for (const bad of [0, -1, '30']) {
      const result = validateText(text(bad))
      expect(result.ok).toBe(false)
      expect(result.diagnostics).toContainEqual(
        expect.objectContaining({ severity: 'error', path: ['models', 'm', 'timeout'] })
      )
    }
  })

  it('gives 504 upstream_timeout from a silent OpenAI-compatible server, streamed or not (catches the runtime default winning over the model)', async () => {
    await withServed(single({ type: 'external', url: silentUrl, timeout: 1 }), LONG, async (s) => {
      await expect504(await chat(s, false))
    })
    await withServed(single({ url: `${silentUrl}/v1`, timeout: 1 }), LONG, async (s) => {
      const res = await chat(s, true)
      expect(res.status).toBe(200)
      const events = sseData(await res.text())
      expect(events.at(-1)).toBe('[DONE]')
      const parsed = events.slice(0, -1).map((d) => JSON.parse(d) as Json)
      expect(parsed.at(-1)).toMatchObject({ error: { code: 'upstream_timeout' } })
      const text = parsed
        .map((c) => (c.choices as { delta?: { content?: string } }[] | undefined)?.[0])
        .map((c) => c?.delta?.content ?? '')
        .join('')
      expect(text).toBe('a b ')
    })
  })

  it('gives 504 upstream_timeout from an Ollama that does not answer (catches the Ollama provider keeping its 300 s)', async () => {
    const ollama = await startFakeOllama({ models: [{ name: 'qwen2.5:0.5b' }] })
    try {
      ollama.chatReplies.push({ stall: 'headers' })
      await withServed(
        single({ runner: 'ollama', source: 'qwen2.5:0.5b', timeout: 1 }),
        { ...LONG, env: { OLLAMA_HOST: `127.0.0.1:${ollama.port}` } },
        async (s) => {
          await expect504(await chat(s, false))
          expect(ollama.requests.filter((r) => r.path === '/api/chat')).toHaveLength(1)
        }
      )
    } finally {
      await ollama.close()
    }
  })

  it('gives 504 upstream_timeout from a local llama.cpp worker that does not answer (catches local models ignoring the field)', async () => {
    const tmp = tempDir('llmnet-timeout-')
    const gguf = join(tmp.dir, 'silent.gguf')
    writeFileSync(gguf, 'GGUF')
    const fork: ForkLike = (_entry, args) =>
      nodeFork({ modulePath: FAKE_WORKER, execArgv: [] }, [...args, 'silent'])
    try {
      await withServed(
        single({ runner: 'llama-cpp', source: gguf, timeout: 1 }),
        { ...LONG, fork, dataDir: tmp.dir },
        async (s) => {
          await expect504(await chat(s, true))
        }
      )
    } finally {
      tmp.remove()
    }
  })
})
