/**
 * Replays the corpus of hostile inputs kept in tests/corpus: compositions through the loader
 * (text and real file), chat bodies and raw HTTP through a real server. Each case holds the
 * fuzz contract: a diagnostic or a composition; a 2xx or an enveloped 4xx, never a 5xx or a hang.
 * Files named `*.valid.*` must also load as a valid composition.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCompositionFile } from '../../src/main/core/config/load-composition'
import { validateText } from '../../src/shared/config/validate'
import { checkValidation } from './loader-contract'
import {
  checkAnswer,
  type FuzzServer,
  parseFirstResponse,
  PIPELINE,
  rawExchange,
  startFuzzServer
} from './http-support'

const CORPUS = path.join(import.meta.dirname, '../corpus')
const files = (dir: string, ext: RegExp): string[] =>
  readdirSync(path.join(CORPUS, dir))
    .filter((f) => ext.test(f))
    .sort()

describe('corpus: compositions', () => {
  const dir = path.join(CORPUS, 'compositions')
  it.each(files('compositions', /\.(json|ya?ml)$/))('%s', async (name) => {
    const file = path.join(dir, name)
    const text = readFileSync(file, 'utf8')
    const result = validateText(text, { fileName: name })
    checkValidation(text, result)
    if (name.includes('.valid.')) {
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    } else {
      expect(result.ok).toBe(false)
    }
    const loaded = await loadCompositionFile(file)
    checkValidation(text, loaded)
    expect(loaded.ok).toBe(result.ok)
  })
})

describe('corpus: HTTP', () => {
  let server: FuzzServer
  beforeAll(async () => {
    server = await startFuzzServer()
  })
  afterAll(() => server?.close())

  /** The first answer of a raw exchange, which must exist and hold the contract. */
  async function replay(
    request: string,
    halfClose = true
  ): Promise<ReturnType<typeof parseFirstResponse>> {
    const raw = await rawExchange(server.port, request, halfClose)
    const answer = parseFirstResponse(raw)
    expect(answer, `no HTTP answer, got ${JSON.stringify(raw.toString('latin1'))}`).toBeDefined()
    if (answer) checkAnswer(answer, request.split(' ')[0], request.slice(0, 120))
    return answer
  }

  it.each(files('http', /\.json$/))('POST %s as a chat body', async (name) => {
    const body = readFileSync(path.join(CORPUS, 'http', name), 'utf8')
    const answer = await replay(
      [
        'POST /v1/chat/completions HTTP/1.1',
        `Host: 127.0.0.1:${server.port}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        body
      ].join('\r\n'),
      false
    )
    // A prototype key is a key, not a JSON syntax error.
    if (/proto|constructor/.test(name)) expect(answer?.body).not.toMatch(/invalid JSON/i)
  })

  it.each(files('http', /\.http$/))('raw %s', async (name) => {
    let request = readFileSync(path.join(CORPUS, 'http', name), 'latin1')
    if (!name.endsWith('.lf.http')) request = request.replace(/\r?\n/g, '\r\n')
    await replay(request.replaceAll('{{PORT}}', String(server.port)))
  })

  it('the server still answers after the whole corpus', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: PIPELINE, messages: [{ role: 'user', content: 'hi' }] })
    })
    expect(res.status).toBe(200)
  })
})
