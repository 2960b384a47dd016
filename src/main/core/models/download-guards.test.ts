/**
 * What a model download refuses, against a real HTTP server on port 0: an HTML page or a file
 * that is not GGUF (at its first bytes, the partial file removed), and a body of unknown size that
 * would fill the disk (free space checked while writing, with an injected statfs).
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { download, DownloadError } from './download'

const GGUF = Buffer.concat([Buffer.from('GGUF'), randomBytes(512 * 1024)])
const HTML = '<!DOCTYPE html><html><body>Sign in to continue</body></html>'

let server: Server
let base: string
let dir: string

beforeAll(async () => {
  server = createServer((req, res) => {
    switch (req.url) {
      case '/login.gguf':
        return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HTML)
      case '/html-as-binary.gguf':
        return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(HTML)
      case '/archive.gguf':
        return res
          .writeHead(200, { 'content-type': 'application/octet-stream' })
          .end(Buffer.concat([Buffer.from('PK\u0003\u0004'), randomBytes(1024)]))
      case '/model.gguf':
        return res.writeHead(200, { 'content-length': GGUF.length }).end(GGUF)
      case '/unsized.gguf': {
        // Chunked, without Content-Length: the size is unknown until the end.
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        for (let i = 0; i < GGUF.length; i += 32 * 1024) res.write(GGUF.subarray(i, i + 32 * 1024))
        return res.end()
      }
      default:
        return res.writeHead(404).end()
    }
  })
  server.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function dest(name: string): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'llmnet-dl-guard-'))
  return path.join(dir, name)
}

async function failure(url: string, out: string, opts = {}): Promise<DownloadError> {
  const err = await download(url, out, { magic: 'GGUF', retries: 0, ...opts }).catch(
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(DownloadError)
  return err as DownloadError
}

describe('download guards', () => {
  it('refuses an HTML page (by its type or its first bytes) and leaves no file (catches a login page saved as a model)', async () => {
    for (const name of ['login.gguf', 'html-as-binary.gguf']) {
      const out = dest(name)
      const err = await failure(`${base}/${name}`, out)
      expect(err.code).toBe('not_gguf')
      expect(err.message).toBe(
        `${base}/${name} is an HTML page, not a GGUF model file (a wrong link, or a login or error page?); the partial file was deleted`
      )
      expect(existsSync(out)).toBe(false)
      expect(existsSync(`${out}.part`)).toBe(false)
    }
  })

  it('refuses a file that does not start with GGUF, naming its first bytes', async () => {
    const out = dest('archive.gguf')
    const err = await failure(`${base}/archive.gguf`, out)
    expect(err.code).toBe('not_gguf')
    expect(err.message).toContain('is a file that starts with bytes 50 4b 03 04, not a GGUF model')
    expect(existsSync(`${out}.part`)).toBe(false)
  })

  it('accepts a GGUF file', async () => {
    const out = dest('model.gguf')
    await download(`${base}/model.gguf`, out, { magic: 'GGUF' })
    expect(readFileSync(out).equals(GGUF)).toBe(true)
  })

  it('without Content-Length, stops when the free space drops under the margin and deletes the partial file (catches a full disk)', async () => {
    const out = dest('unsized.gguf')
    let checks = 0
    // Plenty free at first; after the first checks the disk is nearly full.
    const statfs = async (): Promise<{ bavail: number; bsize: number; blocks: number }> => ({
      bavail: ++checks <= 2 ? 1_000_000 : 100,
      bsize: 4096,
      blocks: 10_000_000
    })
    const err = await failure(`${base}/unsized.gguf`, out, {
      statfs,
      spaceCheckBytes: 64 * 1024
    })
    expect(err.code).toBe('insufficient_space')
    expect(err.message).toMatch(
      /^stopped downloading .*unsized\.gguf: the server did not say its size, and only 409\.6 kB is left free in .* \(llmnet keeps 1\.1 GB free\); the partial file was deleted$/
    )
    expect(checks).toBe(3)
    expect(existsSync(out)).toBe(false)
    expect(existsSync(`${out}.part`)).toBe(false)
  })

  it('without Content-Length and enough room, the download completes', async () => {
    const out = dest('unsized.gguf')
    const statfs = async (): Promise<{ bavail: number; bsize: number }> => ({
      bavail: 10_000_000,
      bsize: 4096
    })
    await download(`${base}/unsized.gguf`, out, { magic: 'GGUF', statfs, spaceCheckBytes: 1 })
    expect(readFileSync(out).equals(GGUF)).toBe(true)
  })
})
