import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FunctionSchema } from '../../../shared/config/schema'
import { runFunction } from './run-function'
import { runRest, type RestFunction } from './rest'
import { TEST_SECRET, testContext } from './test-support'

interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

let server: Server
let base = ''
const seen: Seen[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      const path = (req.url ?? '').split('?')[0]
      if (path?.startsWith('/json')) {
        res.setHeader('content-type', 'application/json')
        res.end(
          JSON.stringify({ echo: body ? (JSON.parse(body) as unknown) : null, method: req.method })
        )
      } else if (path === '/text') {
        res.end('plain words\n')
      } else if (path === '/empty') {
        res.statusCode = 204
        res.end()
      } else if (path === '/fail') {
        res.statusCode = 503
        res.end('backend overloaded: ' + 'x'.repeat(500))
      } else if (path === '/hang') {
        // never answers
      } else {
        res.statusCode = 404
        res.end('no such path')
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const rest = (fields: Partial<RestFunction> & { url: string }): RestFunction =>
  FunctionSchema.parse({ type: 'rest', ...fields }) as RestFunction
const last = (): Seen => {
  const s = seen.at(-1)
  if (!s) throw new Error('no request seen')
  return s
}

describe('rest functions', () => {
  it('GET sends substituted headers and parses a JSON answer (fails if headers are dropped or JSON is returned as text)', async () => {
    const out = await runRest(
      rest({
        url: `${base}/json`,
        headers: { authorization: 'Bearer $secrets.api.TOKEN', 'x-node': '$NODE' }
      }),
      testContext({ NODE: 'router' })
    )
    expect(out.output).toEqual({ echo: null, method: 'GET' })
    expect(last().method).toBe('GET')
    expect(last().headers.authorization).toBe(`Bearer ${TEST_SECRET}`)
    expect(last().headers['x-node']).toBe('router')
  })

  it('POST sends the substituted body as JSON with content-type, keeping exact-variable types (fails if "$WORD_COUNT" is sent as a string)', async () => {
    const out = await runRest(
      rest({
        method: 'POST',
        url: `${base}/json`,
        body: { text: '$INPUT', words: '$WORD_COUNT', note: 'n=$WORD_COUNT' }
      }),
      testContext({ INPUT: 'hi "there"', WORD_COUNT: 2 })
    )
    expect(last().method).toBe('POST')
    expect(last().headers['content-type']).toBe('application/json')
    expect(JSON.parse(last().body)).toEqual({ text: 'hi "there"', words: 2, note: 'n=2' })
    expect(out.output).toEqual({
      echo: { text: 'hi "there"', words: 2, note: 'n=2' },
      method: 'POST'
    })
  })

  it('a non-JSON answer is returned as text, an empty one as nothing (fails if text answers are dropped as in the Rust llmnet)', async () => {
    expect((await runRest(rest({ url: `${base}/text` }), testContext())).output).toBe('plain words')
    expect(
      (await runRest(rest({ url: `${base}/empty`, method: 'DELETE' }), testContext())).output
    ).toBeUndefined()
    expect(last().method).toBe('DELETE')
  })

  it('non-2xx fails with "HTTP <status>: <body excerpt>" once (fails if the status is duplicated or the body is missing/unbounded)', async () => {
    const result = await runFunction('notify', rest({ url: `${base}/fail` }), testContext())
    expect(result.ok).toBe(false)
    expect(result.error).toMatch(/^function "notify" \(rest\): HTTP 503: backend overloaded: x+$/)
    expect(result.error).not.toMatch(/503 503/)
    const excerpt = (result.error ?? '').split('HTTP 503: ')[1] ?? ''
    expect(excerpt.length).toBe(200)
  })

  it('substituted values are url-encoded into path and query, literal parts are not (fails if & or spaces in a value break the query)', async () => {
    await runRest(
      rest({ url: `${base}/json/$ID?q=$INPUT&lang=en` }),
      testContext({ INPUT: 'a&b=c d', ID: 'x/y' })
    )
    expect(last().url).toBe('/json/x%2Fy?q=a%26b%3Dc%20d&lang=en')
    const q = new URL(last().url, base).searchParams
    expect(q.get('q')).toBe('a&b=c d')
    expect(q.get('lang')).toBe('en')
  })

  it('a base url held in a variable is inserted as is (fails if the scheme/host from a variable is percent-encoded)', async () => {
    await runRest(rest({ url: '$BASE/json?x=$V' }), testContext({ BASE: base, V: '1 2' }))
    expect(last().url).toBe('/json?x=1%202')
  })

  it('a server that never answers fails after about the timeout (fails if there is no timeout or it is ignored)', async () => {
    const started = Date.now()
    const result = await runFunction(
      'slow',
      rest({ url: `${base}/hang`, timeout: 0.5 }),
      testContext()
    )
    const elapsed = Date.now() - started
    expect(result.ok).toBe(false)
    expect(result.error).toBe('function "slow" (rest): timed out after 0.5s')
    expect(elapsed).toBeGreaterThanOrEqual(450)
    expect(elapsed).toBeLessThan(3000)
  })

  it('connection errors and bad urls fail with a reason and without secret values (fails if a url with a secret is echoed)', async () => {
    // a port that was free a moment ago
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const freePort = (probe.address() as AddressInfo).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const refused = await runFunction(
      'down',
      rest({ url: `http://127.0.0.1:${freePort}/x` }),
      testContext()
    )
    expect(refused.ok).toBe(false)
    expect(refused.error).toMatch(/^function "down" \(rest\): request failed: .*ECONNREFUSED/)
    const bad = await runFunction('bad', rest({ url: 'ht!tp://$secrets.api.TOKEN' }), testContext())
    expect(bad.ok).toBe(false)
    expect(bad.error).not.toContain(TEST_SECRET)
  })
})

describe('rest functions and redirects', () => {
  // Two origins: `first` redirects, `other` records what reaches it.
  let first: Server
  let other: Server
  let firstBase = ''
  let otherBase = ''
  const reachedOther: IncomingHttpHeaders[] = []
  const reachedFirst: { method: string; url: string; headers: IncomingHttpHeaders }[] = []

  const listen = async (s: Server): Promise<string> => {
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  }

  beforeAll(async () => {
    other = createServer((req, res) => {
      reachedOther.push(req.headers)
      res.end('{"stolen":true}')
    })
    first = createServer((req, res) => {
      req.resume()
      reachedFirst.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
      const redirect = (status: number, location: string): void => {
        res.writeHead(status, { location }).end()
      }
      if (req.url === '/away') redirect(307, `${otherBase}/catch`)
      else if (req.url === '/here') redirect(307, '/landing')
      else if (req.url === '/see-other') redirect(303, `${firstBase}/landing`)
      else if (req.url === '/loop') redirect(302, '/loop')
      else if (req.url === '/landing') res.end(JSON.stringify({ landed: req.method }))
      else res.writeHead(404).end()
    })
    firstBase = await listen(first)
    // Same host, other port: another origin.
    otherBase = await listen(other)
  })

  afterAll(async () => {
    for (const s of [first, other]) {
      s.closeAllConnections()
      await new Promise<void>((resolve) => s.close(() => resolve()))
    }
  })

  const withSecretHeader = (url: string, method: 'GET' | 'POST' = 'POST'): RestFunction =>
    rest({
      url,
      method,
      headers: { 'x-api-token': 'Bearer $secrets.api.TOKEN' },
      ...(method === 'POST' ? { body: { q: 1 } } : {})
    })

  it('a 307 to another origin is an error naming the Location, and the other origin never sees the secret header (fails if redirects carry secrets across origins)', async () => {
    const result = await runFunction('hook', withSecretHeader(`${firstBase}/away`), testContext())
    expect(result.ok).toBe(false)
    expect(result.error).toContain(`HTTP 307: redirect to ${otherBase}/catch (another origin)`)
    expect(reachedOther).toHaveLength(0)
    expect(reachedFirst.at(-1)?.headers['x-api-token']).toBe(`Bearer ${TEST_SECRET}`)
  })

  it('a redirect within the same origin is followed: 307 keeps the method and body, 303 becomes GET (fails if ordinary redirects break)', async () => {
    const kept = await runRest(withSecretHeader(`${firstBase}/here`), testContext())
    expect(kept.output).toEqual({ landed: 'POST' })
    expect(reachedFirst.at(-1)?.headers['x-api-token']).toBe(`Bearer ${TEST_SECRET}`)
    const seen = await runRest(withSecretHeader(`${firstBase}/see-other`), testContext())
    expect(seen.output).toEqual({ landed: 'GET' })
    expect(reachedFirst.at(-1)?.headers['content-type']).toBeUndefined()
    expect(reachedOther).toHaveLength(0)
  })

  it('a redirect loop stops with an error (fails if it loops forever)', async () => {
    const result = await runFunction(
      'hook',
      withSecretHeader(`${firstBase}/loop`, 'GET'),
      testContext()
    )
    expect(result.ok).toBe(false)
    expect(result.error).toContain('more than 5 redirects')
  })
})
