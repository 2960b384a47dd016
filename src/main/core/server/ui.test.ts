import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../tests/support/harness'
import { loadAccessToken } from '../storage/access-token'
import {
  cookieValue,
  DEFAULT_SESSION_IDLE_MS,
  registerUi,
  sameSecret,
  SESSION_COOKIE,
  SESSION_HEADER,
  Sessions
} from './ui'

describe('the UI behind the access token', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => cleanups.splice(0).forEach((c) => c()))

  function app() {
    const tmp = tempDir('llmnet-ui-')
    cleanups.push(tmp.remove)
    mkdirSync(join(tmp.dir, 'assets'))
    writeFileSync(join(tmp.dir, 'index.html'), '<!doctype html><title>llmnet ui</title>')
    writeFileSync(join(tmp.dir, 'assets', 'app.js'), 'console.log(1)')
    writeFileSync(join(tmp.dir, 'secret.txt'), 'outside assets')
    writeFileSync(join(tmp.dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
    const sessions = new Sessions()
    const fastify = Fastify()
    registerUi(fastify, { dir: tmp.dir, token: 'right-token-0123456789abcdef0123', sessions })
    return { fastify, sessions }
  }

  it('trades ?token= for an HttpOnly SameSite=Strict session and redirects the token out of the address (catches a page usable without the token)', async () => {
    const { fastify, sessions } = app()
    const locked = await fastify.inject({ url: '/' })
    expect(locked.statusCode).toBe(401)
    expect(locked.body).toContain('access token')
    expect((await fastify.inject({ url: '/?token=wrong' })).statusCode).toBe(401)

    const trade = await fastify.inject({ url: '/?token=right-token-0123456789abcdef0123' })
    expect(trade.statusCode).toBe(303)
    expect(trade.headers.location).toMatch(/^\/#session=[\w-]{32}$/)
    const cookie = String(trade.headers['set-cookie'])
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const id = cookieValue(cookie, SESSION_COOKIE)
    expect(sessions.has(id)).toBe(true)

    const page = await fastify.inject({ url: '/', headers: { cookie: `${SESSION_COOKIE}=${id}` } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('llmnet ui')
    const forged = await fastify.inject({ url: '/', headers: { cookie: `${SESSION_COOKIE}=x` } })
    expect(forged.statusCode).toBe(401)
  })

  it('serves the favicon without a session (catches the first request of every page being a 404)', async () => {
    const { fastify } = app()
    for (const url of ['/favicon.svg', '/favicon.ico']) {
      const icon = await fastify.inject({ url })
      expect(icon.statusCode, url).toBe(200)
      expect(icon.headers['content-type']).toBe('image/svg+xml')
      expect(icon.body).toContain('<svg')
    }
  })

  it('serves only files inside assets/ (catches path traversal)', async () => {
    const { fastify } = app()
    const js = await fastify.inject({ url: '/assets/app.js' })
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toMatch(/text\/javascript/)
    for (const url of [
      '/assets/../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/..%2fsecret.txt'
    ])
      expect((await fastify.inject({ url })).body).not.toContain('outside assets')
  })

  it('no page can be framed: CSP frame-ancestors and X-Frame-Options on every answer (catches clickjacking)', async () => {
    const { fastify } = app()
    const trade = await fastify.inject({ url: '/?token=right-token-0123456789abcdef0123' })
    const cookie = String(trade.headers['set-cookie']).split(';')[0] as string
    for (const res of [
      await fastify.inject({ url: '/' }),
      trade,
      await fastify.inject({ url: '/', headers: { cookie } }),
      await fastify.inject({ url: '/assets/app.js' }),
      await fastify.inject({ url: '/assets/missing.js' })
    ]) {
      expect(res.headers['content-security-policy']).toBe("frame-ancestors 'none'")
      expect(res.headers['x-frame-options']).toBe('DENY')
    }
  })

  it('a session ends after its idle time, and use restarts the clock (catches sessions that never expire)', () => {
    let now = 1_000_000
    const sessions = new Sessions({ idleMs: 60_000, now: () => now })
    const { id, key } = sessions.create()
    const headers = { cookie: `${SESSION_COOKIE}=${id}`, [SESSION_HEADER]: key }
    expect(sessions.authorize(headers)).toBe(true)
    expect(sessions.authorize({ cookie: headers.cookie })).toBe(false)
    expect(sessions.authorize({ cookie: headers.cookie }, key)).toBe(true)
    now += 59_000
    expect(sessions.authorize(headers)).toBe(true)
    now += 59_000 // 118 s after creation, 59 s after the last call with the key
    expect(sessions.has(id)).toBe(true)
    // The cookie alone (a replay) does not count as use: it cannot keep the session alive.
    expect(sessions.authorize({ cookie: headers.cookie })).toBe(false)
    now += 1_001
    expect(sessions.authorize(headers)).toBe(false)
    expect(sessions.has(id)).toBe(false)
    expect(new Sessions().create().key).not.toBe(key)
    expect(DEFAULT_SESSION_IDLE_MS).toBe(12 * 60 * 60 * 1000)
  })

  it('compares secrets without depending on their length', () => {
    expect(sameSecret('abc', 'abc')).toBe(true)
    expect(sameSecret('abc', 'abcd')).toBe(false)
    expect(sameSecret('', 'abc')).toBe(false)
  })
})

describe('the access token file', () => {
  it('persists until rotated, with mode 0600 (catches a token readable by other users or lost on restart)', async () => {
    const tmp = tempDir('llmnet-token-')
    try {
      const first = await loadAccessToken(tmp.dir)
      expect(first.created).toBe(true)
      expect(first.token.length).toBeGreaterThanOrEqual(32)
      expect(statSync(join(tmp.dir, 'access-token')).mode & 0o777).toBe(0o600)
      expect(await loadAccessToken(tmp.dir)).toEqual({ token: first.token, created: false })
      const rotated = await loadAccessToken(tmp.dir, { rotate: true })
      expect(rotated.token).not.toBe(first.token)
      expect((await loadAccessToken(tmp.dir)).token).toBe(rotated.token)
    } finally {
      tmp.remove()
    }
  })

  it.skipIf(process.platform === 'win32')(
    'a token file other users can read is refused with the chmod, as secret.key is (it was accepted silently)',
    async () => {
      const tmp = tempDir('llmnet-token-')
      try {
        const file = join(tmp.dir, 'access-token')
        writeFileSync(file, `${'t'.repeat(40)}\n`)
        chmodSync(file, 0o644)
        await expect(loadAccessToken(tmp.dir)).rejects.toThrow(
          `can be read by other users (mode 0644); make it private with: chmod 600 '${file}'`
        )
        // Rotating writes a new token, private.
        await loadAccessToken(tmp.dir, { rotate: true })
        expect(statSync(file).mode & 0o777).toBe(0o600)
      } finally {
        tmp.remove()
      }
    }
  )
})
