import { createHash, randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { download, DownloadError, type DownloadProgress, formatProgress } from './download'

const FILE = randomBytes(256 * 1024)
const SHA = createHash('sha256').update(FILE).digest('hex')

type Mode = 'normal' | 'cut-once' | 'cut-at-once' | 'ignore-range' | 'slow'

interface Server {
  url: string
  port: number
  requests: { path: string; headers: IncomingHttpHeaders }[]
  mode: Mode
  close(): Promise<void>
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Serves FILE at /file with Range support, plus redirect routes and misbehaviours by mode. */
async function startServer(): Promise<Server> {
  const state: Server = {
    url: '',
    port: 0,
    requests: [],
    mode: 'normal',
    close: async () => undefined
  }
  let cut = false
  let cutAtOnce = false
  const server = createServer(async (req, res: ServerResponse) => {
    state.requests.push({ path: req.url ?? '', headers: req.headers })
    const url = req.url ?? ''
    if (url === '/r1') return res.writeHead(302, { location: '/r2' }).end()
    if (url === '/r2')
      return res.writeHead(307, { location: `http://localhost:${state.port}/file` }).end()
    if (url === '/loop') return res.writeHead(302, { location: '/loop' }).end()
    if (url === '/missing')
      return res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found')
    if (url !== '/file') return res.writeHead(404).end()

    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    let start = 0
    if (range && state.mode !== 'ignore-range') {
      start = Number(range[1])
      res.writeHead(206, {
        'content-length': FILE.length - start,
        'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}`,
        'accept-ranges': 'bytes'
      })
    } else {
      res.writeHead(200, {
        'content-length': FILE.length,
        'accept-ranges': state.mode === 'ignore-range' ? 'none' : 'bytes'
      })
    }
    const body = FILE.subarray(start)
    if (state.mode === 'cut-once' && !cut) {
      cut = true
      res.write(body.subarray(0, 100_000))
      await sleep(20)
      res.socket?.destroy()
      return
    }
    if (state.mode === 'cut-at-once' && !cutAtOnce) {
      // The bytes and the end of the connection leave together: the client sees its error in
      // the same moment as the data, before its file is even open.
      cutAtOnce = true
      res.write(body.subarray(0, 100_000), () => res.socket?.destroy())
      return
    }
    if (state.mode === 'slow') {
      for (let i = 0; i < body.length; i += 16 * 1024) {
        if (res.destroyed) return
        res.write(body.subarray(i, i + 16 * 1024))
        await sleep(15)
      }
      return res.end()
    }
    res.end(body)
  })
  server.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  state.port = (server.address() as AddressInfo).port
  state.url = `http://127.0.0.1:${state.port}`
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return state
}

let srv: Server
let dir: string
beforeAll(async () => {
  srv = await startServer()
})
afterAll(async () => {
  await srv.close()
})
afterEach(() => {
  srv.mode = 'normal'
  srv.requests.length = 0
  if (dir) rmSync(dir, { recursive: true, force: true })
})
function dest(name = 'model.gguf'): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'llmnet-dl-'))
  mkdirSync(path.join(dir, 'sub'))
  return path.join(dir, 'sub', name)
}

describe('download', () => {
  it('streams to .part, renames into place, writes a sha256 sidecar and reports progress up to the total', async () => {
    const out = dest()
    const seen: DownloadProgress[] = []
    const r = await download(`${srv.url}/file`, out, {
      sha256: SHA,
      onProgress: (p) => seen.push(p),
      progressIntervalMs: 0
    })
    expect(r).toMatchObject({ path: out, bytes: FILE.length, sha256: SHA, resumed: false })
    expect(readFileSync(out).equals(FILE)).toBe(true)
    expect(existsSync(`${out}.part`)).toBe(false)
    expect(readFileSync(`${out}.sha256`, 'utf8')).toBe(`${SHA}  model.gguf\n`)
    if (process.platform !== 'win32') {
      expect(statSync(out).mode & 0o777).toBe(0o600)
      expect(statSync(`${out}.sha256`).mode & 0o777).toBe(0o600)
    }
    expect(seen.length).toBeGreaterThan(1)
    expect(seen.every((p) => p.total === FILE.length)).toBe(true)
    expect(seen.map((p) => p.received)).toEqual(
      [...seen.map((p) => p.received)].sort((a, b) => a - b)
    )
    expect(seen.at(-1)?.received).toBe(FILE.length)
  })

  it('resumes with a Range request after the server cuts the connection mid-body, and the file is byte-identical', async () => {
    srv.mode = 'cut-once'
    const out = dest()
    const r = await download(`${srv.url}/file`, out, { sha256: SHA, retryDelayMs: 10 })
    expect(srv.requests).toHaveLength(2)
    expect(srv.requests[0]?.headers.range).toBeUndefined()
    const resumeAt = Number(/^bytes=(\d+)-$/.exec(srv.requests[1]?.headers.range ?? '')?.[1])
    expect(resumeAt).toBeGreaterThan(0)
    expect(resumeAt).toBeLessThan(FILE.length)
    expect(r.resumed).toBe(true)
    expect(readFileSync(out).equals(FILE)).toBe(true)
  })

  it('keeps every byte received before a cut, even when the cut comes with them (fails when the file is closed before what arrived is written)', async () => {
    srv.mode = 'cut-at-once'
    const out = dest()
    const r = await download(`${srv.url}/file`, out, { sha256: SHA, retryDelayMs: 10 })
    expect(srv.requests).toHaveLength(2)
    // Everything that arrived was written: the second request asks for the rest.
    expect(srv.requests[1]?.headers.range).toBe('bytes=100000-')
    expect(r.resumed).toBe(true)
    expect(readFileSync(out).equals(FILE)).toBe(true)
  })

  it('restarts from zero when the server ignores Range and answers 200 (appending would corrupt the file)', async () => {
    const out = dest()
    writeFileSync(`${out}.part`, FILE.subarray(0, 50_000))
    srv.mode = 'ignore-range'
    const r = await download(`${srv.url}/file`, out, { sha256: SHA })
    expect(srv.requests[0]?.headers.range).toBe('bytes=50000-')
    expect(r.resumed).toBe(false)
    expect(readFileSync(out).equals(FILE)).toBe(true)
  })

  it('fails on a checksum mismatch with expected and actual, leaving neither the file nor the .part', async () => {
    const out = dest()
    const wrong = 'ab'.repeat(32)
    const err = await download(`${srv.url}/file`, out, { sha256: wrong }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DownloadError)
    expect((err as DownloadError).code).toBe('checksum_mismatch')
    expect((err as Error).message).toContain(`expected sha256 ${wrong}`)
    expect((err as Error).message).toContain(`got ${SHA}`)
    expect(existsSync(out)).toBe(false)
    expect(existsSync(`${out}.part`)).toBe(false)
  })

  it('keeps the .part on cancel, and a later call resumes from it', async () => {
    srv.mode = 'slow'
    const out = dest()
    const ac = new AbortController()
    const err = await download(`${srv.url}/file`, out, {
      signal: ac.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.received >= 64 * 1024) ac.abort()
      }
    }).catch((e: unknown) => e)
    expect((err as DownloadError).code).toBe('aborted')
    expect((err as Error).message).toMatch(/kept in .*model\.gguf\.part/)
    const kept = statSync(`${out}.part`).size
    expect(kept).toBeGreaterThan(0)
    // A download in progress is private, as everything in the data folder.
    if (process.platform !== 'win32') {
      expect(statSync(`${out}.part`).mode & 0o777).toBe(0o600)
    }
    expect(kept).toBeLessThan(FILE.length)
    expect((err as Error).message).toContain(`${kept} bytes kept`)
    expect(existsSync(out)).toBe(false)

    srv.mode = 'normal'
    srv.requests.length = 0
    const r = await download(`${srv.url}/file`, out, { sha256: SHA })
    expect(srv.requests[0]?.headers.range).toBe(`bytes=${kept}-`)
    expect(r.resumed).toBe(true)
    expect(readFileSync(out).equals(FILE)).toBe(true)
  })

  it('refuses to start when the disk has less free space than Content-Length, and writes nothing', async () => {
    const out = dest()
    const err = await download(`${srv.url}/file`, out, {
      statfs: async () => ({ bavail: 10, bsize: 4096 })
    }).catch((e: unknown) => e)
    expect((err as DownloadError).code).toBe('insufficient_space')
    expect((err as Error).message).toMatch(/needs 262\.1 kB more, only 41\.0 kB is free/)
    expect(existsSync(out)).toBe(false)
    expect(existsSync(`${out}.part`)).toBe(false)
  })

  it('checks free space only for the bytes still missing when resuming', async () => {
    const out = dest()
    writeFileSync(`${out}.part`, FILE.subarray(0, 200_000))
    const asked: string[] = []
    const r = await download(`${srv.url}/file`, out, {
      sha256: SHA,
      statfs: async (d) => {
        asked.push(d)
        return { bavail: 20, bsize: 4096 } // 81,920 bytes: enough for the remaining 62,144
      }
    })
    expect(asked).toEqual([path.dirname(out)])
    expect(r.resumed).toBe(true)
  })

  it('follows relative and cross-host redirects, dropping Authorization when the host changes', async () => {
    const out = dest()
    await download(`${srv.url}/r1`, out, {
      sha256: SHA,
      headers: { authorization: 'Bearer hf_secret' }
    })
    expect(srv.requests.map((r) => r.path)).toEqual(['/r1', '/r2', '/file'])
    expect(srv.requests[1]?.headers.authorization).toBe('Bearer hf_secret')
    expect(srv.requests[2]?.headers.host).toBe(`localhost:${srv.port}`)
    expect(srv.requests[2]?.headers.authorization).toBeUndefined()
    expect(readFileSync(out).equals(FILE)).toBe(true)
  })

  it('stops a redirect loop instead of following it forever', async () => {
    const err = await download(`${srv.url}/loop`, dest(), { maxRedirects: 3 }).catch(
      (e: unknown) => e
    )
    expect((err as DownloadError).code).toBe('too_many_redirects')
  })

  it('reports an HTTP error status with the server message and does not retry it', async () => {
    const err = await download(`${srv.url}/missing`, dest()).catch((e: unknown) => e)
    expect((err as DownloadError).code).toBe('http_error')
    expect((err as Error).message).toMatch(/answered 404: Entry not found/)
    expect(srv.requests).toHaveLength(1)
  })

  it('gives up on an unreachable server with a network error after its retries', async () => {
    const closed = await startServer()
    const url = `${closed.url}/file`
    await closed.close()
    const err = await download(url, dest(), { retries: 1, retryDelayMs: 5 }).catch(
      (e: unknown) => e
    )
    expect((err as DownloadError).code).toBe('network')
    expect((err as Error).message).toMatch(/failed after 2 attempts/)
  })
})

describe('formatProgress', () => {
  it('shows bar, percent, bytes, speed and ETA within the width', () => {
    const line = formatProgress(
      { received: 180_200_000, total: 398_000_000, bytesPerSecond: 12_300_000 },
      80
    )
    expect(line.length).toBeLessThanOrEqual(80)
    expect(line).toMatch(/^\[=+> +\] {2}45% {2}180\.2 MB \/ 398\.0 MB {2}12\.3 MB\/s {2}ETA 0:18$/)
  })

  it('fills the bar at 100% and shows hours in long ETAs', () => {
    expect(formatProgress({ received: 10, total: 10, bytesPerSecond: 5 }, 60)).toMatch(
      /^\[=+\] 100%/
    )
    expect(formatProgress({ received: 0, total: 36_000_000, bytesPerSecond: 1000 }, 80)).toContain(
      'ETA 10:00:00'
    )
  })

  it('drops the bar when the terminal is narrow, and shows bytes and speed when the total is unknown', () => {
    expect(
      formatProgress({ received: 1, total: 2, bytesPerSecond: 0 }, 30).length
    ).toBeLessThanOrEqual(30)
    expect(formatProgress({ received: 2_500_000, bytesPerSecond: 1_000_000 }, 80)).toBe(
      '2.5 MB  1.0 MB/s'
    )
  })
})
