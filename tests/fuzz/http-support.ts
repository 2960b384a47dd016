/**
 * A runtime serving one proxy pipeline in front of a fake upstream that always answers, so any
 * 5xx seen by the HTTP fuzz tests is llmnet's own. Also a raw-socket client for malformed HTTP
 * and the check every answer must pass.
 */
import { connect } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'
import { createApp } from '../../src/main/core/server/app'
import { type FakeUpstream, startFakeUpstream } from '../support/fake-openai'
import { externalModel, serve, type Served } from '../support/harness'

export const PIPELINE = 'proxy'

export interface FuzzServer {
  served: Served
  upstream: FakeUpstream
  /** The same runtime's app, for `inject()` (no socket: fast). */
  app: FastifyInstance
  port: number
  close(): Promise<void>
}

export async function startFuzzServer(): Promise<FuzzServer> {
  const upstream = await startFakeUpstream(() => ({ content: 'ok' }))
  const served = await serve({
    [PIPELINE]: {
      models: { m: externalModel(`${upstream.url}/v1`) },
      architecture: [
        { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'output', adapter: 'output' }
      ]
    }
  })
  const { runtime } = served
  const app = createApp({
    pipelines: runtime.pipelines,
    engine: runtime.engine,
    metrics: runtime.metrics,
    options: runtime.serverOptions,
    version: 'fuzz'
  })
  await app.ready()
  return {
    served,
    upstream,
    app,
    port: Number(new URL(served.url).port),
    async close() {
      await app.close()
      await served.close()
      await upstream.close()
    }
  }
}

/** A valid chat body, the seed of the mutations. */
export const VALID_CHAT = {
  model: PIPELINE,
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hello' }
  ],
  temperature: 0.5,
  max_tokens: 16,
  stream: false,
  tools: [
    {
      type: 'function',
      function: {
        name: 'lookup',
        description: 'find a thing',
        parameters: { type: 'object', properties: { q: { type: 'string' } } }
      }
    }
  ],
  response_format: { type: 'text' },
  user: 'fuzz'
}

export interface Answer {
  status: number
  headers: Record<string, string | number | string[] | undefined>
  body: string
}

/**
 * The contract: 2xx, or a 4xx in OpenAI's error envelope. A 2xx stream ends with `[DONE]` and
 * carries no error event (the upstream never fails here, so an error is llmnet's own).
 */
export function checkAnswer(answer: Answer, method = 'GET', label = ''): void {
  const where = `${label} → ${answer.status} ${answer.body.slice(0, 300)}`
  expect(answer.status, where).toBeGreaterThanOrEqual(200)
  expect(answer.status, where).toBeLessThan(500)
  expect(answer.status >= 300 && answer.status < 400, where).toBe(false)
  if (answer.status < 300) {
    if (String(answer.headers['content-type']).startsWith('text/event-stream')) {
      expect(answer.body.trimEnd().endsWith('data: [DONE]'), where).toBe(true)
      expect(answer.body, where).not.toMatch(/^data: \{"error"/m)
    }
    return
  }
  // A HEAD answer has no body by definition.
  if (method.toUpperCase() === 'HEAD') return
  let parsed: unknown
  expect(() => (parsed = JSON.parse(answer.body)), where).not.toThrow()
  const error = (parsed as { error?: { message?: unknown; type?: unknown } }).error
  expect(typeof error?.message, where).toBe('string')
  expect(typeof error?.type, where).toBe('string')
}

/** How long a raw exchange may take before it counts as a hang. */
export const ANSWER_BOUND_MS = 10_000

/**
 * Writes `bytes` to the server and collects everything until the server closes (or
 * `ANSWER_BOUND_MS` passes, which fails as a hang). `halfClose` (default) sends FIN after the
 * bytes, so an incomplete request ends at once; a complete request that runs the engine must
 * not half-close (Node takes the FIN as the client leaving) and should ask `Connection: close`.
 */
export function rawExchange(
  port: number,
  bytes: Buffer | string,
  halfClose = true
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no complete answer within ${ANSWER_BOUND_MS} ms`))
    }, ANSWER_BOUND_MS)
    socket.on('data', (c: Buffer) => {
      chunks.push(c)
      // One answer is all we read: stop once it is complete, whether or not the server closes.
      if (responseComplete(Buffer.concat(chunks))) socket.destroy()
    })
    // The server's FIN ends the answer (the socket is half-open only so we can send ours).
    socket.on('end', () => socket.destroy())
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
    if (halfClose) socket.end(bytes)
    else socket.write(bytes)
  })
}

/**
 * Drops interim responses (`100 Continue` for `Expect: 100-continue`): legal before the final
 * answer, which is the one the contract is about.
 */
function finalResponse(text: string): string {
  let rest = text
  for (let m; (m = /^HTTP\/1\.[01] 1\d\d[^\r]*\r\n(?:[^\r]+\r\n)*\r\n/.exec(rest));)
    rest = rest.slice(m[0].length)
  return rest
}

function responseComplete(raw: Buffer): boolean {
  const all = raw.toString('latin1')
  const text = finalResponse(all)
  raw = raw.subarray(all.length - text.length)
  const headEnd = text.indexOf('\r\n\r\n')
  if (headEnd < 0) return false
  const head = text.slice(0, headEnd)
  const length = /^content-length:\s*(\d+)/im.exec(head)
  if (length) return raw.length - (headEnd + 4) >= Number(length[1])
  if (/^transfer-encoding:.*chunked/im.test(head)) return text.includes('\r\n0\r\n\r\n', headEnd)
  return false
}

/** The first HTTP response in raw bytes (Content-Length, chunked, or up to the close). */
export function parseFirstResponse(raw: Buffer): Answer | undefined {
  const text = finalResponse(raw.toString('latin1'))
  const headEnd = text.indexOf('\r\n\r\n')
  if (headEnd < 0) return undefined
  const [statusLine = '', ...headerLines] = text.slice(0, headEnd).split('\r\n')
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
  if (!m) return undefined
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const i = line.indexOf(':')
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
  }
  let body = text.slice(headEnd + 4)
  if (headers['content-length'] !== undefined)
    body = body.slice(0, Number(headers['content-length']))
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body)
  return { status: Number(m[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8') }
}

function dechunk(text: string): string {
  let out = ''
  let i = 0
  for (;;) {
    const lineEnd = text.indexOf('\r\n', i)
    if (lineEnd < 0) return out
    const size = parseInt(text.slice(i, lineEnd), 16)
    if (!size) return out
    out += text.slice(lineEnd + 2, lineEnd + 2 + size)
    i = lineEnd + 2 + size + 2
  }
}
