/**
 * The upstream transport against real HTTP servers on port 0: bodies read late or slowly,
 * timeouts, cancellation, refused connections, and pool shutdown.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { spawn } from 'node:child_process'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Cancellation } from '../cancel'
import { CONNECT_TIMEOUT, post, READ_TIMEOUT, toTarget, UpstreamPools } from './http-transport'

const HANGING_LISTENER = [
  'import socket, time',
  's = socket.socket()',
  "s.bind(('127.0.0.1', 0))",
  's.listen(0)',
  'print(s.getsockname()[1], flush=True)',
  'time.sleep(30)'
].join('\n')

type Handler = (req: IncomingMessage, res: ServerResponse) => void

let servers: Server[] = []
let pools = new UpstreamPools()

afterEach(async () => {
  await pools.close()
  pools = new UpstreamPools()
  for (const s of servers) {
    s.closeAllConnections()
    s.close()
  }
  servers = []
})

async function serve(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer(handler)
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

const opts = (extra: Partial<Parameters<typeof post>[3]> = {}) => ({
  headers: { 'content-type': 'application/json' },
  connectTimeoutMs: 2000,
  readTimeoutMs: 2000,
  ...extra
})

function send(url: string, body = '{}', extra: Partial<Parameters<typeof post>[3]> = {}) {
  return post(pools, toTarget(new URL(`${url}/v1/chat/completions`)), body, opts(extra))
}

const codeOf = (err: unknown): string | undefined => (err as { code?: string }).code

describe('upstream transport', () => {
  it('sends the body with its length and reads a body that arrived before text() was called (fails if early chunks are lost)', async () => {
    let received = ''
    const { url } = await serve((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        received = `${req.method} ${req.url} ${req.headers['content-length']} ${body}`
        res.writeHead(201, { 'content-type': 'application/json', 'x-up': 'yes' })
        res.write('{"a":')
        res.end('"é"}')
      })
    })
    const res = await send(url, '{"q":"ü"}')
    await new Promise((r) => setTimeout(r, 50)) // the whole body is queued by now
    expect(res.status).toBe(201)
    expect(res.headers['x-up']).toBe('yes')
    expect(await res.text()).toBe('{"a":"é"}')
    expect(received).toBe('POST /v1/chat/completions 10 {"q":"ü"}')
  })

  it('whole: settles with the body in, or with the error that broke it after the headers (fails if a cut body looks unreachable and is retried)', async () => {
    const { url } = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      if (req.url?.includes('cut')) {
        res.write('{"half":')
        setImmediate(() => res.destroy())
      } else if (req.url?.includes('stall')) {
        res.write('{"half":') // then nothing
      } else {
        res.write('{"a":')
        res.end('"é"}')
      }
    })
    const whole = (path: string, extra: Partial<Parameters<typeof post>[3]> = {}) =>
      post(pools, toTarget(new URL(`${url}${path}`)), '{}', opts({ whole: true, ...extra }))
    const ok = await whole('/ok')
    expect(ok.wholeText).toBe('{"a":"é"}')
    expect(await ok.text()).toBe('{"a":"é"}')
    const cut = await whole('/cut')
    expect(cut.status).toBe(200)
    expect(cut.wholeText).toBeUndefined()
    expect(cut.wholeError).toBeInstanceOf(Error)
    await expect(cut.text()).rejects.toBe(cut.wholeError)
    const stalled = await whole('/stall', { readTimeoutMs: 300 })
    expect(codeOf(stalled.wholeError)).toBe(READ_TIMEOUT)
  })

  it('a reader that returns a promise pauses the body and gets every chunk in order (fails if slow clients lose or reorder tokens)', async () => {
    const parts = Array.from({ length: 40 }, (_, i) => `part-${i};`)
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      let i = 0
      const next = (): void => {
        if (i === parts.length) return void res.end()
        res.write(parts[i++])
        setImmediate(next)
      }
      next()
    })
    const res = await send(url)
    let got = ''
    let inFlight = 0
    let overlapped = false
    await res.read(async (chunk) => {
      if (inFlight > 0) overlapped = true
      inFlight++
      await new Promise((r) => setTimeout(r, 2))
      got += chunk.toString()
      inFlight--
    })
    expect(overlapped).toBe(false)
    expect(got).toBe(parts.join(''))
  })

  it('a reader that throws stops the body and rejects with its error (fails if a bad event is ignored)', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200)
      res.write('bad')
      setTimeout(() => res.end('rest'), 50)
    })
    const res = await send(url)
    await expect(
      res.read(() => {
        throw new Error('not an event')
      })
    ).rejects.toThrow('not an event')
  })

  it('a reader that throws on a queued chunk gets no later chunk (fails if a failed body keeps being delivered)', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200)
      res.write('one')
      setTimeout(() => res.write('two'), 10)
      setTimeout(() => res.end('three'), 20)
    })
    const res = await send(url)
    await new Promise((r) => setTimeout(r, 100)) // all three chunks are queued by now
    const seen: string[] = []
    await expect(
      res.read((c) => {
        seen.push(c.toString())
        throw new Error('bad chunk')
      })
    ).rejects.toThrow('bad chunk')
    expect(seen).toEqual(['one'])
  })

  it('no headers within readTimeoutMs rejects with READ_TIMEOUT (fails if a hung backend hangs the request)', async () => {
    const { url } = await serve(() => {
      // never answers
    })
    const started = Date.now()
    const err = await send(url, '{}', { readTimeoutMs: 300 }).catch((e: unknown) => e)
    expect(codeOf(err)).toBe(READ_TIMEOUT)
    expect(Date.now() - started).toBeLessThan(2500)
  })

  it('a body that stalls for readTimeoutMs rejects with READ_TIMEOUT (fails if a stream that stops hangs forever)', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: {}\n\n') // then nothing
    })
    const res = await send(url, '{}', { readTimeoutMs: 300 })
    const chunks: string[] = []
    const err = await res.read((c) => void chunks.push(c.toString())).catch((e: unknown) => e)
    expect(chunks).toEqual(['data: {}\n\n'])
    expect(codeOf(err)).toBe(READ_TIMEOUT)
  })

  it('cancelling mid-body rejects with an AbortError and closes the upstream connection (fails if abandoned requests keep the model busy)', async () => {
    let closed: Promise<unknown> = Promise.resolve()
    const { url } = await serve((req, res) => {
      closed = once(req.socket, 'close')
      res.writeHead(200)
      res.write('first')
    })
    const cancel = new Cancellation()
    const res = await send(url, '{}', { signal: cancel })
    const reading = res.read(() => cancel.abort())
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' })
    await closed
  })

  it('cancelling before the headers rejects at once (fails if a cancelled request still waits for the upstream)', async () => {
    const { url } = await serve(() => {
      // never answers
    })
    const cancel = new Cancellation()
    const pending = send(url, '{}', { signal: cancel })
    setTimeout(() => cancel.abort(), 20)
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    const already = new Cancellation()
    already.abort()
    await expect(send(url, '{}', { signal: already })).rejects.toMatchObject({
      name: 'AbortError'
    })
  })

  it('a refused connection rejects with ECONNREFUSED (fails if connect errors hang or lose their code)', async () => {
    const { url, server } = await serve(() => undefined)
    server.close()
    await once(server, 'close')
    const err = await send(url).catch((e: unknown) => e)
    expect(codeOf(err)).toBe('ECONNREFUSED')
  })

  it('a connect that hangs rejects with CONNECT_TIMEOUT after connectTimeoutMs (fails if an unreachable host hangs the request)', async (ctx) => {
    // A listener with a full accept queue that never accepts: the kernel drops further SYNs.
    // (Node accepts by itself, so the listener is a python3 one-liner.)
    const py = spawn('python3', ['-c', HANGING_LISTENER], { stdio: ['ignore', 'pipe', 'ignore'] })
    const port = await new Promise<number>((resolve) => {
      py.once('error', () => resolve(0))
      py.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())))
    })
    if (!port) ctx.skip('python3 is not installed: no listener that leaves connects hanging')
    const fillers = [1, 2, 3].map(() => connect(port, '127.0.0.1').on('error', () => undefined))
    try {
      await new Promise((r) => setTimeout(r, 100))
      const started = Date.now()
      const err = await send(`http://127.0.0.1:${port}`, '{}', { connectTimeoutMs: 300 }).catch(
        (e: unknown) => e
      )
      expect(codeOf(err)).toBe(CONNECT_TIMEOUT)
      expect(Date.now() - started).toBeLessThan(3000)
    } finally {
      for (const f of fillers) f.destroy()
      py.kill()
    }
  })

  it('connections are kept alive and reused, and close() ends them (fails if every request opens a socket or shutdown leaks them)', async () => {
    const sockets = new Set<Socket>()
    const { url } = await serve((req, res) => {
      sockets.add(req.socket)
      res.end('ok')
    })
    for (let i = 0; i < 6; i++) expect(await (await send(url)).text()).toBe('ok')
    // A request sent right after the previous body ended may take a second connection.
    expect(sockets.size).toBeLessThanOrEqual(2)
    const closed = [...sockets].map((s) => once(s, 'close'))
    await pools.close()
    await Promise.all(closed)
  })

  it('a pool whose connections all closed is dropped, and a later request opens a new one (fails if pools to old ports pile up)', async () => {
    const { url, server } = await serve((_req, res) => res.end('ok'))
    expect(await (await send(url)).text()).toBe('ok')
    expect(pools.size).toBe(1)
    server.closeAllConnections()
    await vi.waitFor(() => expect(pools.size).toBe(0), { timeout: 2000 })
    expect(await (await send(url)).text()).toBe('ok')
    expect(pools.size).toBe(1)
  })
})
