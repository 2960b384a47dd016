/**
 * A long streamed answer to a slow reader: every backpressure wait of the chunk writer must take
 * its listeners off again. (Racing `events.once(res, 'drain')` with `events.once(res, 'close')`
 * left a `close` and an `error` listener per wait, and Node printed
 * `MaxListenersExceededWarning` into the `--trace-format json` stream.) Real runtime on port 0,
 * real fake upstream, a raw socket that reads a little at a time.
 */
import { once } from 'node:events'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeUpstream } from '../../../../tests/support/fake-openai'
import { externalModel, serve, type Served } from '../../../../tests/support/harness'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close()
})

/** A fake upstream that streams `chunks`, behind a served 1-0-1 pipeline named `long`. */
async function serveLong(chunks: string[]): Promise<{ up: FakeUpstream; s: Served }> {
  const up = await startFakeUpstream()
  open.push(up)
  up.setResponder(() => ({ content: chunks.join(''), chunks }))
  const s = await serve({
    long: {
      models: { m: externalModel(up.url) },
      architecture: [
        { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'output', adapter: 'output' }
      ]
    }
  })
  open.push(s)
  return { up, s }
}

/** Reads the whole HTTP answer, pausing 2 ms after every read; counts the reads. */
function slowRead(url: string, body: string): Promise<{ text: string; reads: number }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) })
    const parts: Buffer[] = []
    let reads = 0
    socket.on('data', (b: Buffer) => {
      parts.push(b)
      reads++
      socket.pause()
      setTimeout(() => socket.resume(), 2)
    })
    socket.on('end', () => resolve({ text: Buffer.concat(parts).toString('utf8'), reads }))
    socket.on('error', reject)
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body
    )
  })
}

describe('a slow streaming reader', () => {
  it('gets the whole long answer with no listener pile-up or MaxListenersExceededWarning (fails with the raced events.once)', async () => {
    // 1,500 pieces of 4 KiB: 6 MiB, far beyond what the socket buffers hold.
    const piece = 'x'.repeat(4095) + '\n'
    const chunks = Array.from({ length: 1500 }, () => piece)
    const { s } = await serveLong(chunks)
    const warnings: Error[] = []
    const onWarning = (w: Error): void => void warnings.push(w)
    process.on('warning', onWarning)
    try {
      const { text, reads } = await slowRead(
        s.url,
        JSON.stringify({ model: 'long', stream: true, messages: [{ role: 'user', content: 'q' }] })
      )
      expect(text).toContain('data: [DONE]')
      const got = text.split('"content":"').length - 1
      expect(got).toBeGreaterThanOrEqual(chunks.length)
      // The reader really held the server back, many times over the 10-listener limit.
      expect(reads).toBeGreaterThan(50)
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r))
      expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  }, 60_000)
})

/**
 * Sends a streamed request on a raw socket and reads nothing until `hold` resolves, then reads
 * the whole answer.
 */
function heldRead(url: string, path: string, body: string, hold: Promise<void>): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) })
    const parts: Buffer[] = []
    socket.pause()
    socket.on('data', (b: Buffer) => parts.push(b))
    socket.on('end', () => resolve(Buffer.concat(parts).toString('utf8')))
    socket.on('error', reject)
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body
    )
    void hold.then(() => socket.resume())
  })
}

describe('a client that stops reading', () => {
  // 8,000 pieces of 4 KiB: 32 MiB, several times what the sockets' buffers between the upstream,
  // llmnet and the client can hold, so an upstream that finishes while the client reads nothing
  // means llmnet kept the answer in memory.
  const piece = 'x'.repeat(4095) + '\n'
  const chunks = Array.from({ length: 8000 }, () => piece)

  it.each([
    ['/v1/chat/completions', { stream: true, messages: [{ role: 'user', content: 'q' }] }],
    ['/v1/messages', { stream: true, max_tokens: 64, messages: [{ role: 'user', content: 'q' }] }],
    ['/v1/responses', { stream: true, input: 'q' }],
    // Ollama's API streams NDJSON unless told not to.
    ['/api/chat', { messages: [{ role: 'user', content: 'q' }] }]
  ])(
    '%s holds the upstream back until it reads on, then gets the whole answer (fails when the answer piles up in memory)',
    async (path, request) => {
      const { up, s } = await serveLong(chunks)
      let finished = false
      up.events.on('finished', () => (finished = true))
      const asked = once(up.events, 'request')
      let release: () => void = () => undefined
      const hold = new Promise<void>((r) => (release = r))
      const reading = heldRead(s.url, path, JSON.stringify({ model: 'long', ...request }), hold)
      await asked
      // Long enough for the upstream to write all 32 MiB into a server that takes everything.
      await new Promise((r) => setTimeout(r, 1500))
      const heldBack = !finished
      release()
      const text = await reading
      expect(heldBack).toBe(true)
      expect(text.split(piece.slice(0, 4095)).length - 1).toBeGreaterThanOrEqual(chunks.length)
      expect(finished).toBe(true)
    },
    60_000
  )
})

describe('StreamWriter', () => {
  it('joins the events of one tick into one socket write and ends with what is queued (fails with a write per event, or an end that drops them)', async () => {
    const { createServer } = await import('node:http')
    const { StreamWriter } = await import('./sse')
    const writes: string[] = []
    let ended = ''
    const server = createServer((_req, res) => {
      const write = res.write.bind(res) as (s: string) => boolean
      res.write = ((s: string) => {
        writes.push(s)
        return write(s)
      }) as typeof res.write
      const end = res.end.bind(res) as (s: string) => void
      res.end = ((s: string) => {
        ended = s
        end(s)
        return res
      }) as typeof res.end
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const writer = new StreamWriter(res)
      // One upstream read's events, then the next read's and the end in one later tick.
      for (const e of ['a\n', 'b\n', 'c\n']) writer.write(e)
      expect(writer.wait()).toBeUndefined()
      setTimeout(() => {
        writer.write('d\n')
        writer.end('[DONE]\n')
      }, 20)
    })
    open.push({ close: () => new Promise<void>((r) => server.close(() => r())) })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as net.AddressInfo
    const text = await (await fetch(`http://127.0.0.1:${port}/`)).text()
    expect(text).toBe('a\nb\nc\nd\n[DONE]\n')
    expect(writes).toEqual(['a\nb\nc\n'])
    expect(ended).toBe('d\n[DONE]\n')
  })
})
