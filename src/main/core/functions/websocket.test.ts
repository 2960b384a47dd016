import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { FunctionSchema } from '../../../shared/config/schema'
import { runFunction } from './run-function'
import { TEST_SECRET, testContext } from './test-support'
import { runWebSocket, type WebSocketFunction } from './websocket'

interface Conn {
  path: string
  headers: IncomingHttpHeaders
  messages: string[]
  closed: Promise<void>
}

let wss: WebSocketServer
let base = ''
const conns: Conn[] = []

beforeAll(async () => {
  wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    // rejects an upgrade without the header, as an authenticated endpoint would
    verifyClient: (info: { req: { headers: IncomingHttpHeaders } }) =>
      info.req.headers['x-api-key'] !== 'reject-me'
  })
  wss.on('connection', (socket: WebSocket, req) => {
    let onClose = (): void => undefined
    const conn: Conn = {
      path: req.url ?? '',
      headers: req.headers,
      messages: [],
      closed: new Promise<void>((r) => (onClose = r))
    }
    conns.push(conn)
    socket.on('close', () => onClose())
    socket.on('message', (data) => {
      const text = (data as Buffer).toString('utf8')
      conn.messages.push(text)
      if (conn.path.startsWith('/silent')) return
      if (conn.path.startsWith('/text')) socket.send(`got: ${text}`)
      else
        socket.send(
          JSON.stringify({
            received: JSON.parse(text) as unknown,
            auth: req.headers.authorization ?? null
          })
        )
    })
  })
  await new Promise<void>((resolve) => wss.on('listening', () => resolve()))
  base = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const client of wss.clients) client.terminate()
  await new Promise<void>((resolve) => wss.close(() => resolve()))
})

const wsFn = (fields: Partial<WebSocketFunction> & { url: string }): WebSocketFunction =>
  FunctionSchema.parse({ type: 'websocket', ...fields }) as WebSocketFunction
const lastConn = (): Conn => {
  const c = conns.at(-1)
  if (!c) throw new Error('no connection seen')
  return c
}

describe('websocket functions', () => {
  it('sends the configured headers on the upgrade request (fails if headers are ignored as in the Rust llmnet)', async () => {
    const out = await runWebSocket(
      wsFn({
        url: `${base}/json`,
        headers: { authorization: 'Bearer $secrets.api.TOKEN', 'x-node': '$NODE' },
        message: { text: '$INPUT' }
      }),
      testContext({ NODE: 'router', INPUT: 'hi' }),
      { expectReply: true }
    )
    expect(lastConn().headers.authorization).toBe(`Bearer ${TEST_SECRET}`)
    expect(lastConn().headers['x-node']).toBe('router')
    expect(out.output).toEqual({ received: { text: 'hi' }, auth: `Bearer ${TEST_SECRET}` })
  })

  it('transform mode awaits one reply and returns it parsed, exact variables keep their type (fails if the reply is ignored)', async () => {
    const out = await runWebSocket(
      wsFn({ url: `${base}/json`, message: { n: '$WORD_COUNT', list: ['$INPUT'] } }),
      testContext({ WORD_COUNT: 7, INPUT: 'a' }),
      { expectReply: true }
    )
    expect(out.output).toEqual({ received: { n: 7, list: ['a'] }, auth: null })
    await lastConn().closed
  })

  it('a string message is sent as-is and a text reply comes back as a string (fails if strings are JSON-quoted)', async () => {
    const out = await runWebSocket(
      wsFn({ url: `${base}/text`, message: 'plain $INPUT' }),
      testContext({ INPUT: 'words' }),
      { expectReply: true }
    )
    expect(lastConn().messages).toEqual(['plain words'])
    expect(out.output).toBe('got: plain words')
  })

  it('observe mode sends, closes and returns nothing without waiting for a reply (fails if observe blocks on the server)', async () => {
    const started = Date.now()
    const out = await runWebSocket(
      wsFn({
        url: `${base}/silent/observe`,
        message: { event: 'done', node: '$NODE' },
        timeout: 5
      }),
      testContext({ NODE: 'n1' })
    )
    expect(out.output).toBeUndefined()
    expect(Date.now() - started).toBeLessThan(2000)
    const conn = lastConn()
    await conn.closed
    expect(conn.path).toBe('/silent/observe')
    expect(conn.messages.map((m) => JSON.parse(m) as unknown)).toEqual([
      { event: 'done', node: 'n1' }
    ])
  })

  it('transform mode times out when the server never replies (fails if there is no timeout, as in the Rust llmnet)', async () => {
    const started = Date.now()
    const result = await runFunction(
      'ws-hook',
      wsFn({ url: `${base}/silent/t`, message: 'x', timeout: 0.4 }),
      testContext(),
      { expectReply: true }
    )
    const elapsed = Date.now() - started
    expect(result).toMatchObject({
      ok: false,
      error: 'function "ws-hook" (websocket): timed out after 0.4s'
    })
    expect(elapsed).toBeGreaterThanOrEqual(350)
    expect(elapsed).toBeLessThan(2000)
  })

  it('a rejected upgrade fails with the HTTP status (fails if connection errors are swallowed)', async () => {
    const result = await runFunction(
      'ws-denied',
      wsFn({ url: `${base}/json`, headers: { 'x-api-key': 'reject-me' } }),
      testContext(),
      { expectReply: true }
    )
    expect(result.ok).toBe(false)
    expect(result.error).toMatch(/^function "ws-denied" \(websocket\): .*401/)
  })

  it('substituted values in the url are encoded into the query (fails if a value with & breaks the url)', async () => {
    await runWebSocket(
      wsFn({ url: `${base}/silent/q?user=$USER_NAME`, message: 'x' }),
      testContext({ USER_NAME: 'a&b c' })
    )
    expect(lastConn().path).toBe('/silent/q?user=a%26b%20c')
  })
})
