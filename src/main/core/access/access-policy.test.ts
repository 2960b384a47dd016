/**
 * Per-app approval, headless, against a real temp SQLite with the production migrations and a fake
 * `ask`. Catches: an unknown token let through without asking, a prompt per concurrent request,
 * a question that never ends, a revoked token still working, a headless server hanging on a
 * prompt no one can see, and tokens stored in clear.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../errors'
import { AppTokenRepository, hashToken } from '../storage/app-token-repository'
import { type OpenedDatabase, openDatabase } from '../storage/database'
import { StorageError } from '../storage/errors'
import {
  AccessPolicy,
  type AccessRequest,
  type AskUser,
  type Authorized,
  appNameOf,
  bearerToken
} from './access-policy'

let dir: string
let opened: OpenedDatabase
let tokens: AppTokenRepository

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmnet-access-'))
  opened = openDatabase(join(dir, 'llmnet.db'))
  tokens = new AppTokenRepository(opened.db)
})
afterEach(() => {
  opened.close()
  rmSync(dir, { recursive: true, force: true })
})

const UNKNOWN = 'sk-some-other-apps-token-0123456789'
const bearer = (token: string, extra: Record<string, string> = {}): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  ...extra
})

/** An ask whose answers the test gives, recording each question. */
function manualAsk(): {
  ask: AskUser
  questions: AccessRequest[]
  signals: AbortSignal[]
  answer(value: 'allow' | 'deny'): void
  asked: Promise<void>
} {
  const questions: AccessRequest[] = []
  const signals: AbortSignal[] = []
  const resolvers: ((v: 'allow' | 'deny') => void)[] = []
  let notify: () => void = () => undefined
  const asked = new Promise<void>((resolve) => (notify = resolve))
  return {
    questions,
    signals,
    asked,
    ask: (request, signal) => {
      questions.push(request)
      signals.push(signal)
      notify()
      return new Promise((resolve) => resolvers.push(resolve))
    },
    answer: (value) => {
      for (const r of resolvers.splice(0)) r(value)
    }
  }
}

function expect401(result: Authorized | AppError, fragment: RegExp): void {
  expect(result).toBeInstanceOf(AppError)
  const err = result as AppError
  expect(err.status).toBe(401)
  expect(err.code).toBe('invalid_api_key')
  expect(err.message).toMatch(fragment)
}

describe('keys not required', () => {
  it('lets any caller through, naming the app only for a known token', async () => {
    const policy = new AccessPolicy({ tokens, requireKeys: () => false })
    const { token } = tokens.create('Editor')
    expect(await policy.authorize({})).toEqual({})
    expect(await policy.authorize(bearer(UNKNOWN))).toEqual({})
    expect(await policy.authorize(bearer(token))).toEqual({ app: 'Editor' })
  })
})

describe('keys required', () => {
  it('a created token works; the table keeps only its sha256', async () => {
    const policy = new AccessPolicy({ tokens, requireKeys: () => true })
    const { token, app } = tokens.create('My Script')
    expect(token).toMatch(/^llmnet_[A-Za-z0-9_-]{43}$/)
    expect(await policy.authorize(bearer(token))).toEqual({ app: 'My Script' })
    const row = opened.db.prepare('SELECT * FROM app_tokens WHERE id = ?').get(app.id)
    expect(JSON.stringify(row)).not.toContain(token)
    expect(row).toMatchObject({ token_hash: hashToken(token), origin: 'created' })
    expect(tokens.list()[0]?.lastUsedAt).not.toBeNull()
  })

  it('records last use at most once a minute per app (each write is an fsync)', () => {
    let now = 1_000_000
    const clocked = new AppTokenRepository(opened.db, () => now)
    const { token } = clocked.create('Busy App')
    const writes = () => opened.db.prepare('SELECT total_changes() AS n').get() as { n: number }
    clocked.verify(token)
    const after = writes().n
    now += 59_000
    for (let i = 0; i < 100; i++) clocked.verify(token)
    expect(writes().n).toBe(after)
    expect(clocked.list()[0]?.lastUsedAt).toBe(1_000_000)
    now += 1_000
    clocked.verify(token)
    expect(clocked.list()[0]?.lastUsedAt).toBe(1_060_000)
  })

  it('no token: 401 saying how to get one', async () => {
    const policy = new AccessPolicy({ tokens, requireKeys: () => true, ask: manualAsk().ask })
    expect401(await policy.authorize({}), /has none.*Settings → Apps.*Authorization: Bearer/)
  })

  it('headless (no prompt): an unknown token is refused at once, naming how to create one', async () => {
    const policy = new AccessPolicy({ tokens, requireKeys: () => true })
    expect401(await policy.authorize(bearer(UNKNOWN)), /without a window to ask.*create a token/i)
    expect(tokens.list()).toEqual([])
  })

  it('allow: the unknown token is registered under the app name it sent and works afterwards', async () => {
    const fake = manualAsk()
    const policy = new AccessPolicy({ tokens, requireKeys: () => true, ask: fake.ask })
    const pending = policy.authorize(bearer(UNKNOWN, { 'x-llmnet-app': 'Obsidian Copilot' }))
    await fake.asked
    expect(fake.questions).toEqual([{ appName: 'Obsidian Copilot', tokenHint: 'sk-s…' }])
    fake.answer('allow')
    expect(await pending).toEqual({ app: 'Obsidian Copilot' })
    expect(tokens.list()).toMatchObject([{ name: 'Obsidian Copilot', origin: 'approved' }])
    // Known now: no second question.
    expect(await policy.authorize(bearer(UNKNOWN))).toEqual({ app: 'Obsidian Copilot' })
    expect(fake.questions).toHaveLength(1)
  })

  it('deny: 401, and the same token is not asked about again in this session', async () => {
    const fake = manualAsk()
    const policy = new AccessPolicy({ tokens, requireKeys: () => true, ask: fake.ask })
    const pending = policy.authorize(bearer(UNKNOWN, { 'user-agent': 'curl/8.5.0' }))
    await fake.asked
    expect(fake.questions[0]?.appName).toBe('curl/8.5.0')
    fake.answer('deny')
    expect401(await pending, /denied "curl\/8.5.0"/)
    expect401(await policy.authorize(bearer(UNKNOWN)), /denied/)
    expect(fake.questions).toHaveLength(1)
    expect(tokens.list()).toEqual([])
  })

  it('concurrent requests with one unknown token share a single question', async () => {
    const fake = manualAsk()
    const policy = new AccessPolicy({ tokens, requireKeys: () => true, ask: fake.ask })
    const all = Promise.all([1, 2, 3].map(() => policy.authorize(bearer(UNKNOWN))))
    await fake.asked
    fake.answer('allow')
    const results = await all
    expect(results).toEqual([
      { app: 'unnamed app' },
      { app: 'unnamed app' },
      { app: 'unnamed app' }
    ])
    expect(fake.questions).toHaveLength(1)
    expect(tokens.list()).toHaveLength(1)
  })

  it('an unanswered question times out as deny, aborts the prompt, and may be asked again', async () => {
    const fake = manualAsk()
    const policy = new AccessPolicy({
      tokens,
      requireKeys: () => true,
      ask: fake.ask,
      askTimeoutMs: 20
    })
    expect401(await policy.authorize(bearer(UNKNOWN)), /nobody answered/)
    expect(fake.signals[0]?.aborted).toBe(true)
    // A timeout is no answer (unlike deny): the next request asks again and can be allowed.
    const again = policy.authorize(bearer(UNKNOWN))
    expect(fake.questions).toHaveLength(2)
    fake.answer('allow')
    expect(await again).toEqual({ app: 'unnamed app' })
  })

  it('a prompt that fails counts as deny', async () => {
    const policy = new AccessPolicy({
      tokens,
      requireKeys: () => true,
      ask: () => Promise.reject(new Error('no display'))
    })
    expect401(await policy.authorize(bearer(UNKNOWN)), /denied/)
  })

  it('caps the questions open at once', async () => {
    const fake = manualAsk()
    const policy = new AccessPolicy({
      tokens,
      requireKeys: () => true,
      ask: fake.ask,
      maxPendingAsks: 1
    })
    const first = policy.authorize(bearer(UNKNOWN))
    expect401(await policy.authorize(bearer(`${UNKNOWN}-b`)), /too many apps/)
    fake.answer('deny')
    expect401(await first, /denied/)
  })

  it('revoke: the token gets 401 afterwards, without a prompt; the name can be reused', async () => {
    const fake = manualAsk()
    const policy = new AccessPolicy({ tokens, requireKeys: () => true, ask: fake.ask })
    const { token } = tokens.create('Raycast')
    expect(await policy.authorize(bearer(token))).toEqual({ app: 'Raycast' })
    expect(tokens.revoke('Raycast')).toBe(true)
    expect(tokens.revoke('Raycast')).toBe(false)
    expect401(await policy.authorize(bearer(token)), /"Raycast" was revoked/)
    expect(fake.questions).toEqual([])
    const second = tokens.create('Raycast')
    expect(await policy.authorize(bearer(second.token))).toEqual({ app: 'Raycast' })
  })

  it('settings apply per request: turning keys off opens the API at once', async () => {
    let required = true
    const policy = new AccessPolicy({ tokens, requireKeys: () => required })
    expect(await policy.authorize({})).toBeInstanceOf(AppError)
    required = false
    expect(await policy.authorize({})).toEqual({})
  })

  it('malformed tokens are refused without asking anyone', async () => {
    const fake = manualAsk()
    const policy = new AccessPolicy({ tokens, requireKeys: () => true, ask: fake.ask })
    expect401(await policy.authorize(bearer('short')), /malformed/)
    expect401(await policy.authorize(bearer('x'.repeat(300))), /malformed/)
    expect401(await policy.authorize({ authorization: 'Basic abcdefghijklmnopqrstu' }), /has none/)
    expect(fake.questions).toEqual([])
  })
})

describe('names and headers', () => {
  it('approved names are cleaned and made unique; bad created names are refused', async () => {
    const fake = manualAsk()
    const policy = new AccessPolicy({ tokens, requireKeys: () => true, ask: fake.ask })
    tokens.create('Zed')
    const pending = policy.authorize(bearer(UNKNOWN, { 'x-llmnet-app': '  Zed\u0000\n' }))
    await fake.asked
    fake.answer('allow')
    expect(await pending).toEqual({ app: 'Zed (2)' })
    expect(() => tokens.create('Zed')).toThrow(StorageError)
    expect(() => tokens.create('')).toThrow(/app name "" must be/)
    expect(() => tokens.create('-lead')).toThrow(/start with a letter/)
  })

  it('reads the token from Bearer or x-api-key and the name from x-llmnet-app or User-Agent', () => {
    expect(bearerToken({ authorization: 'bearer  abc ' })).toBe('abc')
    expect(bearerToken({ 'x-api-key': 'abc' })).toBe('abc')
    expect(bearerToken({})).toBeUndefined()
    expect(appNameOf({ 'x-llmnet-app': 'A', 'user-agent': 'B' })).toBe('A')
    expect(appNameOf({ 'user-agent': 'OpenAI/Python 1.40.0' })).toBe('OpenAI/Python 1.40.0')
    expect(appNameOf({})).toBe('unnamed app')
  })
})
