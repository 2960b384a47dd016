/**
 * Requests an attacker or a careless client sends, against a real runtime on port 0, mostly over
 * raw sockets (node:http and fetch refuse to send malformed requests). Each answer must be a
 * clean one: OpenAI's error envelope with a real status, never a 500, a bare framework error or
 * a connection held open for ever.
 */
import { once } from 'node:events'
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type FakeUpstream,
  type RecordedRequest,
  startFakeUpstream
} from '../../../../tests/support/fake-openai'
import {
  externalModel,
  type Json,
  serve,
  type Served,
  sseData
} from '../../../../tests/support/harness'
import type { RuntimeOptions } from '../../runtime'

const OUTPUT = { name: 'output', adapter: 'output' }

function proxy(url: string): Json {
  return {
    models: { m: externalModel(url) },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      OUTPUT
    ]
  }
}

interface RawAnswer {
  status: number
  head: string
  body: string
  /** The server closed the connection after answering. */
  closed: boolean
}

/**
 * Writes `text` on a fresh connection (without ending our side: a half-closed socket reads as a
 * client that left) and reads one answer: a Content-Length body, or a chunked body to its end.
 */
function exchange(port: number, text: string | string[]): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let data = ''
    let answer: RawAnswer | undefined
    const parse = (): RawAnswer | undefined => {
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) return undefined
      const head = data.slice(0, end)
      const rest = data.slice(end + 4)
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1])
      const length = /content-length: (\d+)/i.exec(head)?.[1]
      if (length !== undefined) {
        const body = Buffer.from(rest, 'latin1').subarray(0, Number(length))
        if (body.length < Number(length)) return undefined
        return { status, head, body: body.toString('utf8'), closed: false }
      }
      if (!rest.endsWith('0\r\n\r\n')) return undefined
      // Chunked: drop the size lines.
      const body = rest.replace(/(^|\r\n)[0-9a-f]+\r\n/gi, '$1').replace(/\r\n$/, '')
      return { status, head, body, closed: false }
    }
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => {
      data += d
      answer ??= parse()
      if (answer && /connection: keep-alive/i.test(answer.head)) {
        socket.destroy()
        resolve(answer)
      }
    })
    socket.on('close', () => {
      const a = answer ?? parse()
      if (a) resolve({ ...a, closed: true })
      else reject(new Error(`connection closed without a whole answer: ${JSON.stringify(data)}`))
    })
    socket.on('error', () => undefined)
    for (const piece of Array.isArray(text) ? text : [text]) socket.write(piece, 'latin1')
  })
}

function post(body: string, extraHeaders = ''): string {
  return (
    'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`
  )
}

/** The answer is OpenAI's error envelope with this status and code. */
function expectEnvelope(
  a: RawAnswer,
  status: number,
  code: string
): { message: string; param: unknown } {
  expect(a.status, a.head).toBe(status)
  expect(a.head).toMatch(/content-type: application\/json/i)
  const body = JSON.parse(a.body) as { error: Record<string, unknown> }
  expect(Object.keys(body)).toEqual(['error'])
  expect(body.error).toMatchObject({ code, type: expect.any(String), message: expect.any(String) })
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type'])
  return body.error as { message: string; param: unknown }
}

const nested = (levels: number, leaf = '{}'): string => {
  let s = leaf
  for (let i = 0; i < levels; i++) s = `{"a":${s}}`
  return s
}

async function withServer<T>(
  upstream: string,
  opts: RuntimeOptions,
  fn: (s: Served, port: number) => Promise<T>
): Promise<T> {
  const s = await serve({ bot: proxy(upstream) }, opts)
  try {
    return await fn(s, Number(new URL(s.url).port))
  } finally {
    await s.close()
  }
}

describe('every request gets a clean answer', () => {
  let up: FakeUpstream
  let srv: Served
  let port: number

  beforeAll(async () => {
    up = await startFakeUpstream()
    srv = await serve({ bot: proxy(up.url) })
    port = Number(new URL(srv.url).port)
  })
  afterAll(async () => {
    await srv?.close()
    await up?.close()
  })

  describe('deep nesting (was a 500 "Maximum call stack size exceeded")', () => {
    const user = '[{"role":"user","content":"hi"}]'
    it.each([
      [
        'tools[].function.parameters',
        `{"model":"bot","messages":${user},"tools":[{"type":"function","function":{"name":"f","parameters":${nested(5000)}}}]}`,
        /^tools\[0\]\.function\.parameters/
      ],
      [
        'response_format',
        `{"model":"bot","messages":${user},"response_format":{"type":"json_schema","json_schema":${nested(5000)}}}`,
        /^response_format\.json_schema/
      ],
      [
        'a message extra',
        `{"model":"bot","messages":[{"role":"user","content":"hi","extra":${'['.repeat(5000)}${']'.repeat(5000)}}]}`,
        /^messages\[0\]\.extra/
      ]
    ])(
      '%s nested 5,000 levels is a 400 naming the field and the limit',
      async (_name, body, path) => {
        const error = expectEnvelope(await exchange(port, post(body)), 400, 'invalid_request')
        expect(error.param).toMatch(path)
        expect(error.message).toContain('deeper than 64 levels')
      }
    )

    it('nesting within the limit is forwarded as sent', async () => {
      const seen = once(up.events, 'request') as Promise<[RecordedRequest]>
      const body = `{"model":"bot","messages":${user},"tools":[{"type":"function","function":{"name":"f","parameters":${nested(50)}}}]}`
      const a = await exchange(port, post(body))
      expect(a.status).toBe(200)
      const [rec] = await seen
      expect(JSON.stringify(rec.body.tools[0].function.parameters)).toBe(nested(50))
    })
  })

  it('a __proto__ key is accepted and dropped, not "invalid JSON"', async () => {
    const seen = once(up.events, 'request') as Promise<[RecordedRequest]>
    const a = await exchange(
      port,
      post('{"model":"bot","__proto__":{"polluted":1},"messages":[{"role":"user","content":"hi"}]}')
    )
    expect(a.status, a.body).toBe(200)
    expect(JSON.parse(a.body).choices[0].message.content).toBe('bot says: hi')
    const [rec] = await seen
    expect(Object.hasOwn(rec.body, '__proto__')).toBe(false)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  describe('answers node:http and the router gave without the envelope', () => {
    it('a bad %-escape in the URL is a 400', async () => {
      const a = await exchange(port, 'GET /v1/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
      expect(expectEnvelope(a, 400, 'invalid_request').message).toContain('/v1/%zz')
    })
    it('an overlong path parameter is a 414', async () => {
      const a = await exchange(
        port,
        `GET /v1/models/${'x'.repeat(300)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`
      )
      expectEnvelope(a, 414, 'uri_too_long')
    })
    it('a missing Host is a 400', async () => {
      const a = await exchange(port, 'GET /health HTTP/1.1\r\n\r\n')
      expect(expectEnvelope(a, 400, 'invalid_request').message).toContain('Host header is missing')
    })
    it('two Host headers are a 400 (node:http would keep the first silently)', async () => {
      const a = await exchange(
        port,
        'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n'
      )
      expect(expectEnvelope(a, 400, 'invalid_request').message).toContain('more than one Host')
    })
    it('headers over 16 KiB are a 431 and the connection is closed', async () => {
      const a = await exchange(
        port,
        `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nx-big: ${'x'.repeat(20_000)}\r\n\r\n`
      )
      expectEnvelope(a, 431, 'headers_too_large')
      expect(a.closed).toBe(true)
    })
  })

  it('a streamed answer honours Connection: close (the socket closes after [DONE])', async () => {
    const a = await exchange(
      port,
      post(
        '{"model":"bot","stream":true,"messages":[{"role":"user","content":"hi"}]}',
        'connection: close\r\n'
      )
    )
    expect(a.status).toBe(200)
    expect(a.head).toMatch(/connection: close/i)
    expect(sseData(a.body).at(-1)).toBe('[DONE]')
    expect(a.closed).toBe(true)
  })

  it('/metrics counts a request that failed in the engine once, not also as rejected', async () => {
    const bad = await startFakeUpstream(() => ({ status: 400, error: 'nope' }))
    try {
      await withServer(bad.url, {}, async (s, p) => {
        const a = await exchange(
          p,
          post('{"model":"bot","messages":[{"role":"user","content":"hi"}]}')
        )
        expect(a.status).toBeGreaterThanOrEqual(400)
        // And one that never reached the engine, which must count as rejected.
        expectEnvelope(await exchange(p, post('{"model":"bot"}')), 400, 'invalid_request')
        const text = await (await fetch(`${s.url}/metrics`)).text()
        const requests = text.split('\n').filter((l) => l.startsWith('llmnet_requests_total{'))
        expect(requests).toEqual([
          'llmnet_requests_total{pipeline="bot",status="error"} 1',
          'llmnet_requests_total{pipeline="",status="rejected"} 1'
        ])
      })
    } finally {
      await bad.close()
    }
  })
})

describe('timeouts and the connection cap', () => {
  let up: FakeUpstream
  beforeAll(async () => {
    up = await startFakeUpstream()
  })
  afterAll(async () => {
    await up?.close()
  })

  it('a body that never completes is answered 408 and closed', async () => {
    await withServer(up.url, { server: { requestTimeoutMs: 300 } }, async (_s, port) => {
      const body = '{"model":"bot","messages":[]}'
      const head = post(body).slice(0, -body.length)
      // Content-Length promises the whole body; only its first bytes ever come.
      const a = await exchange(port, head + body.slice(0, 5))
      expectEnvelope(a, 408, 'request_timeout')
      expect(a.closed).toBe(true)
    })
  })

  it('headers that never complete are answered 408 and closed', async () => {
    await withServer(up.url, { server: { requestTimeoutMs: 300 } }, async (_s, port) => {
      const a = await exchange(port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n')
      expectEnvelope(a, 408, 'request_timeout')
    })
  })

  it('the request timeout does not cut an answer that streams for longer', async () => {
    const slow = await startFakeUpstream(() => ({
      content: 'one two three four five six',
      chunkDelayMs: 100
    }))
    try {
      await withServer(slow.url, { server: { requestTimeoutMs: 200 } }, async (_s, port) => {
        const a = await exchange(
          port,
          post('{"model":"bot","stream":true,"messages":[{"role":"user","content":"hi"}]}')
        )
        const events = sseData(a.body)
        expect(events.at(-1)).toBe('[DONE]')
        const text = events
          .slice(0, -1)
          .map((e) => JSON.parse(e).choices[0]?.delta?.content ?? '')
          .join('')
        expect(text).toBe('one two three four five six')
      })
    } finally {
      await slow.close()
    }
  })

  it('connections beyond maxConnections are closed unanswered', async () => {
    await withServer(up.url, { server: { maxConnections: 2 } }, async (_s, port) => {
      // Two keep-alive connections the server has accepted (each answered once).
      const open: net.Socket[] = []
      for (let i = 0; i < 2; i++) {
        const socket = net.connect(port, '127.0.0.1')
        socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
        const [first] = (await once(socket, 'data')) as [Buffer]
        expect(first.toString()).toMatch(/^HTTP\/1\.1 200/)
        open.push(socket)
      }
      try {
        const third = net.connect(port, '127.0.0.1')
        let got = ''
        third.on('data', (d: Buffer) => (got += d.toString()))
        third.on('error', () => undefined)
        third.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
        await once(third, 'close')
        expect(got).toBe('')
      } finally {
        for (const s of open) s.destroy()
      }
    })
  })
})
