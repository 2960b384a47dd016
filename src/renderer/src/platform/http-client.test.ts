// This test runs in Node: a real HTTP server on port 0 stands in for `/api`.
/* eslint-disable no-restricted-imports */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Window } from 'happy-dom'
import { createHttpPlatform, type EventSourceLike, takeSessionKey } from './http-client'

// A real HTTP server on port 0 stands in for `/api`; events come through an injected stream.
let server: Server
let base = ''
const seen: { url: string; body: string; key?: string }[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      seen.push({ url: req.url ?? '', body, key: req.headers['x-llmnet-session'] as string })
      if (req.url === '/api/pipelines.list') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ ok: true, data: { pipelines: [] } }))
      } else if (req.url === '/api/secrets.list') {
        res.writeHead(401, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({ ok: false, error: { code: 'invalid_api_key', message: 'log in' } })
        )
      } else if (req.url === '/examples.json') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('[{"name":"x"}]')
      } else {
        res.writeHead(502, { 'content-type': 'text/html' })
        res.end('<h1>bad gateway</h1>')
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('HTTP platform', () => {
  it('posts the input as JSON to /api/<route> and returns the envelope, errors included', async () => {
    const p = createHttpPlatform({ baseUrl: base })
    expect(await p.request('pipelines.list')).toEqual({ ok: true, data: { pipelines: [] } })
    expect(seen.at(-1)).toMatchObject({ url: '/api/pipelines.list', body: '{}' })
    expect(await p.request('secrets.list')).toEqual({
      ok: false,
      error: { code: 'invalid_api_key', message: 'log in' }
    })
  })

  it('turns a reply without an envelope and an unreachable server into clear errors', async () => {
    const p = createHttpPlatform({ baseUrl: base })
    const bad = await p.request('server.status')
    expect(bad.ok || bad.error.message).toBe('the server answered HTTP 502 without a result')
    const down = createHttpPlatform({ baseUrl: 'http://127.0.0.1:1' })
    const res = await down.request('server.status')
    expect(res.ok || res.error.message).toMatch(/^cannot reach the llmnet server/)
  })

  it('reads static JSON next to the page, null when missing', async () => {
    const p = createHttpPlatform({ baseUrl: base })
    expect(await p.loadStatic('examples.json')).toEqual([{ name: 'x' }])
    expect(await p.loadStatic('missing.json')).toBeNull()
  })

  it('opens one event stream and dispatches parsed payloads by event name', () => {
    const handlers = new Map<string, ((e: { data: string }) => void)[]>()
    const opened: string[] = []
    const es: EventSourceLike = {
      addEventListener: (type, l) => handlers.set(type, [...(handlers.get(type) ?? []), l]),
      close: () => {}
    }
    const p = createHttpPlatform({
      baseUrl: base,
      sessionKey: undefined,
      eventSource: (url) => {
        opened.push(url)
        return es
      }
    })
    const got: unknown[] = []
    const off = p.on('secret.changed', (e) => got.push(e))
    p.on('secret.changed', () => {})
    p.on('trace', () => {})
    expect(opened).toEqual([`${base}/api/events`])
    expect(handlers.get('secret.changed')).toHaveLength(1)
    handlers.get('secret.changed')![0]!({ data: '{"name":"A","state":"set"}' })
    handlers.get('secret.changed')![0]!({ data: 'not json' })
    off()
    handlers.get('secret.changed')![0]!({ data: '{"name":"B","state":"set"}' })
    expect(got).toEqual([{ name: 'A', state: 'set' }])
  })

  it('sends the session key on every call and on the event stream (catches a cookie-only session)', async () => {
    const opened: string[] = []
    const p = createHttpPlatform({
      baseUrl: base,
      sessionKey: 'key-1_x',
      eventSource: (url) => {
        opened.push(url)
        return { addEventListener: () => {}, close: () => {} }
      }
    })
    await p.request('pipelines.list')
    expect(seen.at(-1)).toMatchObject({ url: '/api/pipelines.list', key: 'key-1_x' })
    p.on('trace', () => {})
    expect(opened).toEqual([`${base}/api/events?session=key-1_x`])
  })

  it('takes the key from the address fragment into sessionStorage, off the address bar', () => {
    const win = new Window({ url: 'http://127.0.0.1:8080/#session=abc-123' })
    const page = win as unknown as Pick<typeof window, 'location' | 'history' | 'sessionStorage'>
    expect(takeSessionKey(page)).toBe('abc-123')
    expect(win.location.href).toBe('http://127.0.0.1:8080/')
    // A reload in the same tab finds it again; another tab (fresh storage) does not.
    expect(takeSessionKey(page)).toBe('abc-123')
    const other = new Window({ url: 'http://127.0.0.1:8080/' })
    expect(takeSessionKey(other as unknown as typeof page)).toBeUndefined()
    win.close()
    other.close()
  })
})
