/**
 * `llmnet models pull URL --sha256 HEX` against a real HTTP server on port 0: the checksum is
 * verified at the end (a mismatch deletes the file), a bad digest is a usage error, and a page
 * that is not a GGUF file is refused with a clear message.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/main/cli/program'
import { tempDir } from './support/harness'

const GGUF = Buffer.concat([Buffer.from('GGUF'), randomBytes(64 * 1024)])
const SHA = createHash('sha256').update(GGUF).digest('hex')
const data = tempDir('llmnet-pull-')
let server: Server
let base: string

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/m/model.gguf') return res.writeHead(200).end(GGUF)
    if (req.url === '/m/gated.gguf')
      return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>log in</html>')
    res.writeHead(404).end()
  })
  server.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
  data.remove()
})

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(args, {
    stdout: { write: (x: string) => (out += x) },
    stderr: { write: (x: string) => (err += x) },
    env: { ...process.env, LLMNET_DATA_DIR: data.dir, LLMNET_MODELS_DIR: '' },
    cwd: data.dir
  })
  return { code, out, err }
}

const models = (): string[] => {
  const dir = join(data.dir, 'models')
  return existsSync(dir) ? readdirSync(dir) : []
}

describe('llmnet models pull --sha256', () => {
  it('a wrong checksum fails with expected and actual and leaves no file (catches a corrupt or swapped model kept)', async () => {
    const wrong = 'ab'.repeat(32)
    const r = await cli(['models', 'pull', `${base}/model.gguf`, '--sha256', wrong])
    expect(r.code).toBe(3)
    expect(r.err).toContain(`expected sha256 ${wrong}, got ${SHA}; the partial file was deleted`)
    expect(models()).toEqual([])
  })

  it('the right checksum (any case) downloads the file and records it', async () => {
    const r = await cli(['models', 'pull', `${base}/model.gguf`, '--sha256', SHA.toUpperCase()])
    expect(r.code).toBe(0)
    expect(r.err).toContain('(sha256 checked)')
    expect(models().sort()).toEqual(['model.gguf', 'model.gguf.sha256'])
  })

  it('a digest that is not 64 hex digits is a usage error before anything is downloaded', async () => {
    const r = await cli(['models', 'pull', `${base}/other.gguf`, '--sha256', 'xyz'])
    expect(r.code).toBe(2)
    expect(r.err).toContain('--sha256 must be 64 hexadecimal digits, got "xyz"')
  })

  it('an HTML page is refused with a clear message and nothing is kept', async () => {
    const r = await cli(['models', 'pull', `${base}/gated.gguf`])
    expect(r.code).toBe(3)
    expect(r.err).toContain('gated.gguf is an HTML page, not a GGUF model file')
    expect(models().filter((f) => f.startsWith('gated'))).toEqual([])
  })
})
