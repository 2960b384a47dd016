import { mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../tests/support/harness'
import { loadAccessToken } from './access-token'
import { cookieValue, registerUi, sameSecret, SESSION_COOKIE, Sessions } from './ui'

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
    expect(trade.headers.location).toBe('/')
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
})
