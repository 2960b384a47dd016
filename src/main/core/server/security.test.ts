/**
 * The guards of a server reachable from other machines, through `app.inject()` (nothing binds
 * 0.0.0.0 here): Host is still checked against the machine's own names, the key is required,
 * and keys are compared without revealing their length.
 */
import { hostname, networkInterfaces } from 'node:os'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createRuntime, type Runtime } from '../../runtime'
import { createApp, DEFAULT_SERVER_OPTIONS, type ServerOptions } from './app'
import { checkApiKey, exposureProblem, isLoopbackAddress, keysEqual } from './security'

const KEY = 'correct-horse-battery'
const auth = { authorization: `Bearer ${KEY}` }
const open: Runtime[] = []

afterEach(async () => {
  while (open.length > 0) await open.pop()?.stop()
})

function app(options: Partial<ServerOptions>): FastifyInstance {
  const runtime = createRuntime({ env: {} })
  open.push(runtime)
  return createApp({
    pipelines: runtime.pipelines,
    engine: runtime.engine,
    metrics: runtime.metrics,
    options: { ...DEFAULT_SERVER_OPTIONS, ...options },
    version: 'test'
  })
}

async function statusFor(a: FastifyInstance, host: string): Promise<number> {
  const res = await a.inject({ method: 'GET', url: '/v1/models', headers: { host, ...auth } })
  return res.statusCode
}

describe('a non-loopback bind', () => {
  it('refuses to build without a key, unless the opt-out is given (fails if 0.0.0.0 serves anyone)', () => {
    expect(() => app({ host: '0.0.0.0' })).toThrow(/--api-key.*LLMNET_API_KEY.*--insecure-no-key/)
    expect(() => app({ host: '::' })).toThrow(/--api-key/)
    expect(() => app({ host: '192.168.1.20' })).toThrow(/--api-key/)
    expect(() => app({ host: '0.0.0.0', apiKey: '' })).toThrow(/empty/)
    expect(() => app({ host: '127.0.0.1', apiKey: '  ' })).toThrow(/empty/)
    expect(() => app({ host: '0.0.0.0', allowNoKey: true })).not.toThrow()
    expect(() => app({ host: '127.0.0.1' })).not.toThrow()
  })

  it('with a key, still refuses a foreign Host (fails if the allowlist is switched off on 0.0.0.0: DNS rebinding)', async () => {
    const a = app({ host: '0.0.0.0', apiKey: KEY })
    const evil = await a.inject({
      method: 'GET',
      url: '/v1/models',
      headers: { host: 'evil.example:8080', ...auth }
    })
    expect(evil.statusCode).toBe(403)
    expect(evil.json()).toMatchObject({ error: { code: 'forbidden_host' } })
    expect(await statusFor(a, 'localhost:8080')).toBe(200)
    // The last accepted Host is remembered: a foreign one after it is still refused.
    expect(await statusFor(a, 'rebound.example')).toBe(403)
  })

  it('the opt-out still checks Host (fails if --insecure-no-key switches the allowlist off)', async () => {
    const a = app({ host: '0.0.0.0', allowNoKey: true })
    expect(await statusFor(a, 'evil.example')).toBe(403)
    expect(await statusFor(a, '127.0.0.1:9')).toBe(200)
  })

  it("accepts the machine's host name, <hostname>.local, its addresses and the bound address (fails if LAN clients are refused)", async () => {
    const a = app({ host: '0.0.0.0', apiKey: KEY })
    const name = hostname()
    expect(await statusFor(a, `${name}:8080`)).toBe(200)
    expect(await statusFor(a, `${name.toUpperCase()}.local:8080`)).toBe(200)
    expect(await statusFor(a, '0.0.0.0:8080')).toBe(200)
    const addresses = Object.values(networkInterfaces()).flatMap((l) => l ?? [])
    expect(addresses.length).toBeGreaterThan(0)
    for (const addr of addresses) {
      const host = addr.family === 'IPv6' ? `[${addr.address}]:8080` : `${addr.address}:8080`
      expect(await statusFor(a, host)).toBe(200)
    }
    const v6 = app({ host: '::', apiKey: KEY })
    expect(await statusFor(v6, '[::]:8080')).toBe(200)
    expect(await statusFor(v6, 'evil.example')).toBe(403)
  })

  it('accepts --allow-host names on a non-loopback bind (fails if allow-host is ignored)', async () => {
    const a = app({ host: '0.0.0.0', apiKey: KEY, allowedHosts: ['LLM.Lan', '10.9.8.7'] })
    expect(await statusFor(a, 'llm.lan:8080')).toBe(200)
    expect(await statusFor(a, '10.9.8.7')).toBe(200)
    expect(await statusFor(a, 'other.lan')).toBe(403)
  })

  it('with a key, accepts host.docker.internal and host.containers.internal (fails if Open WebUI in Docker gets a 403)', async () => {
    const a = app({ host: '0.0.0.0', apiKey: KEY })
    expect(await statusFor(a, 'host.docker.internal:8080')).toBe(200)
    expect(await statusFor(a, 'HOST.CONTAINERS.INTERNAL')).toBe(200)
    // Not without a key, and not on loopback: there, only --allow-host adds them.
    const open = app({ host: '0.0.0.0', allowNoKey: true })
    expect(await statusFor(open, 'host.docker.internal:8080')).toBe(403)
    const local = app({ host: '127.0.0.1', apiKey: KEY })
    expect(await statusFor(local, 'host.docker.internal:8080')).toBe(403)
  })

  it('a loopback bind does not accept the machine name (fails if loopback servers widen their allowlist)', async () => {
    const a = app({ host: '127.0.0.1' })
    expect(await statusFor(a, `${hostname()}.local`)).toBe(403)
  })
})

describe('the Host parser', () => {
  it('refuses a loopback name followed by anything but a port (fails if [::1]evil.example or localhost:evil.example pass)', async () => {
    const a = app({ host: '127.0.0.1' })
    for (const host of ['localhost', 'LOCALHOST:8080', '127.0.0.1:1', '[::1]', '[::1]:8080'])
      expect(await statusFor(a, host), host).toBe(200)
    for (const host of [
      '[::1]evil.example',
      'localhost:evil.example',
      '127.0.0.1:80:evil.example',
      'localhost@evil.example',
      'localhost/evil.example',
      '[::1]:8080evil',
      '[evil.example]'
    ])
      expect(await statusFor(a, host), host).toBe(403)
  })
})

describe('API keys', () => {
  it('accepts only the exact key, whatever the length of a wrong one (fails if a shorter or longer key passes)', async () => {
    const a = app({ host: '0.0.0.0', apiKey: KEY })
    for (const wrong of [
      '',
      'c',
      KEY.slice(0, -1),
      `${KEY}x`,
      KEY.toUpperCase(),
      'z'.repeat(500)
    ]) {
      const res = await a.inject({
        method: 'GET',
        url: '/v1/models',
        headers: { host: 'localhost', authorization: `Bearer ${wrong}` }
      })
      expect(res.statusCode, `key "${wrong.slice(0, 20)}"`).toBe(401)
    }
    expect(await statusFor(a, 'localhost')).toBe(200)
    const viaHeader = await a.inject({
      method: 'GET',
      url: '/v1/models',
      headers: { host: 'localhost', 'x-api-key': KEY }
    })
    expect(viaHeader.statusCode).toBe(200)
  })

  it('keysEqual compares digests, so keys of different lengths are compared without throwing', () => {
    // Buffer-based timingSafeEqual throws on a length mismatch; digests always match in length.
    expect(keysEqual('a', 'a much longer key')).toBe(false)
    expect(keysEqual(KEY, KEY)).toBe(true)
    expect(keysEqual('ünï', 'ünï')).toBe(true)
    expect(() => checkApiKey({ authorization: 'Bearer x' }, KEY)).toThrow(/not valid/)
  })
})

describe('exposureProblem and isLoopbackAddress', () => {
  it('treat only loopback addresses as private', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(h), h).toBe(true)
    for (const h of ['0.0.0.0', '::', '192.168.0.2', 'my-laptop', '128.0.0.1', '127.0.0.1.evil'])
      expect(isLoopbackAddress(h), h).toBe(false)
    expect(exposureProblem({}, '127.0.0.1')).toBeUndefined()
    expect(exposureProblem({ apiKey: 'k' }, '0.0.0.0')).toBeUndefined()
    expect(exposureProblem({}, '0.0.0.0')).toMatch(/reachable from other machines/)
  })
})
