import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Composition, SecretSource } from '../../../shared/config/schema'
import { startFakeVault, type FakeVault } from '../../../../tests/support/fake-vault'
import { loadSecrets, type LoadSecretsOptions } from './loader'

const TOKEN = 'hvs.CAESIGood-Token-1234567890'
const DB_PASSWORD = 'vault-db-password-9f8e7d'
const API_KEY = 'sk-vault-api-key-0a1b2c3d'

let vault: FakeVault

beforeAll(async () => {
  vault = await startFakeVault({
    token: TOKEN,
    kv2: {
      'app/db': {
        username: 'app',
        password: DB_PASSWORD,
        port: 5432,
        tls: true,
        nested: { no: 'objects' }
      },
      'app/openai': { API_KEY }
    },
    kv1: { legacy: { API_KEY, region: 'eu-west-1' } }
  })
})
afterAll(() => vault.close())

type VaultSource = Extract<SecretSource, { source: 'vault' }>

function vaultSecret(path: string, extra: Partial<VaultSource> = {}): Composition['secrets'] {
  return { v: { source: 'vault', address: vault.url, path, variables: [], ...extra } }
}

function opts(
  env: NodeJS.ProcessEnv = { VAULT_TOKEN: TOKEN },
  more: Partial<LoadSecretsOptions> = {}
): LoadSecretsOptions {
  return { env, baseDir: '/nonexistent', ...more }
}

/** Every problem message, with a check that no token or secret value leaks into any of them. */
function messages(
  problems: { message: string }[],
  forbidden: string[] = [TOKEN, DB_PASSWORD, API_KEY]
): string {
  const text = problems.map((p) => p.message).join('\n')
  for (const secret of forbidden) expect(text).not.toContain(secret)
  return text
}

describe('vault secrets (KV v2 and v1 over real HTTP)', () => {
  it('reads a KV v2 secret from data.data (the Rust llmnet never loaded Vault secrets at all)', async () => {
    const before = vault.requests.length
    const loaded = await loadSecrets(vaultSecret('secret/data/app/db'), opts())
    expect(loaded.problems).toEqual([])
    expect(loaded.get('v', 'password')).toBe(DB_PASSWORD)
    expect(loaded.get('v', 'username')).toBe('app')
    const req = vault.requests[before]
    expect(req?.method).toBe('GET')
    expect(req?.path).toBe('/v1/secret/data/app/db')
    expect(req?.headers['x-vault-token']).toBe(TOKEN)
  })

  it('does not store KV v2 metadata (version, created_time) as if it were secret data', async () => {
    const loaded = await loadSecrets(vaultSecret('secret/data/app/db'), opts())
    expect(loaded.get('v', 'version')).toBeUndefined()
    expect(loaded.get('v', 'created_time')).toBeUndefined()
    expect(loaded.get('v', 'data')).toBeUndefined()
  })

  it('converts numbers and booleans with String() and drops objects, instead of storing "[object Object]"', async () => {
    const loaded = await loadSecrets(vaultSecret('secret/data/app/db'), opts())
    expect(loaded.get('v', 'port')).toBe('5432')
    expect(loaded.get('v', 'tls')).toBe('true')
    expect(loaded.get('v', 'nested')).toBeUndefined()
    expect(loaded.keys().sort()).toEqual(['v.password', 'v.port', 'v.tls', 'v.username'])
  })

  it('reads a KV v1 secret from data (a v2-only reader rejects it as a bad shape)', async () => {
    const loaded = await loadSecrets(vaultSecret('kv/legacy'), opts())
    expect(loaded.problems).toEqual([])
    expect(loaded.get('v', 'API_KEY')).toBe(API_KEY)
    expect(loaded.get('v', 'region')).toBe('eu-west-1')
    expect(vault.requests.at(-1)?.path).toBe('/v1/kv/legacy')
  })

  it('joins address and path with exactly one slash (a trailing / on the address or a leading / on the path gave //v1)', async () => {
    const loaded = await loadSecrets(
      vaultSecret('/secret/data/app/openai', { address: `${vault.url}//` }),
      opts()
    )
    expect(loaded.problems).toEqual([])
    expect(vault.requests.at(-1)?.path).toBe('/v1/secret/data/app/openai')
  })

  it('keeps only the listed variables, and reports a listed one the secret lacks', async () => {
    const loaded = await loadSecrets(
      vaultSecret('secret/data/app/db', { variables: ['password', 'MISSING', 'nested'] }),
      opts()
    )
    expect(loaded.keys()).toEqual(['v.password'])
    const text = messages(loaded.problems)
    expect(loaded.problems).toHaveLength(2)
    expect(text).toContain('MISSING is not in Vault secret secret/data/app/db')
    expect(text).toContain(
      'nested in Vault secret secret/data/app/db is not a string, number or boolean'
    )
  })

  it('reads the token from the variable named by token-env (the spelling in the docs, which the Rust llmnet ignored)', async () => {
    const loaded = await loadSecrets(
      vaultSecret('secret/data/app/openai', { 'token-env': 'MY_VAULT_TOKEN' }),
      opts({ MY_VAULT_TOKEN: TOKEN })
    )
    expect(loaded.problems).toEqual([])
    expect(loaded.get('v', 'API_KEY')).toBe(API_KEY)
    expect(vault.requests.at(-1)?.headers['x-vault-token']).toBe(TOKEN)
  })

  it('reads the token from the variable named by token_env (the spelling the Rust llmnet code used)', async () => {
    const loaded = await loadSecrets(
      vaultSecret('secret/data/app/openai', { token_env: 'OTHER_TOKEN' }),
      opts({ OTHER_TOKEN: TOKEN, VAULT_TOKEN: 'not-this-one' })
    )
    expect(loaded.problems).toEqual([])
    expect(vault.requests.at(-1)?.headers['x-vault-token']).toBe(TOKEN)
  })

  it('sends VAULT_NAMESPACE as X-Vault-Namespace (Vault Enterprise/HCP reads fail without it), and no header when unset', async () => {
    await loadSecrets(
      vaultSecret('secret/data/app/openai'),
      opts({ VAULT_TOKEN: TOKEN, VAULT_NAMESPACE: 'admin/team-a' })
    )
    expect(vault.requests.at(-1)?.headers['x-vault-namespace']).toBe('admin/team-a')
    await loadSecrets(vaultSecret('secret/data/app/openai'), opts())
    expect(vault.requests.at(-1)?.headers).not.toHaveProperty('x-vault-namespace')
  })

  it('reports a missing token variable by name, without calling Vault with an empty token', async () => {
    const before = vault.requests.length
    const loaded = await loadSecrets(
      vaultSecret('secret/data/app/openai', { 'token-env': 'ABSENT_TOKEN' }),
      opts({})
    )
    expect(vault.requests.length).toBe(before)
    expect(loaded.values()).toEqual([])
    expect(loaded.problems).toEqual([
      {
        name: 'v',
        source: 'vault',
        message: 'environment variable ABSENT_TOKEN (the Vault token) is not set'
      }
    ])
  })

  it("reports a 403 with Vault's error text, and never the token that was refused", async () => {
    const wrong = 'hvs.WRONG-token-abcdef'
    const loaded = await loadSecrets(
      vaultSecret('secret/data/app/db'),
      opts({ VAULT_TOKEN: wrong })
    )
    expect(vault.requests.at(-1)?.headers['x-vault-token']).toBe(wrong)
    const text = messages(loaded.problems, [TOKEN, wrong, DB_PASSWORD])
    expect(text).toBe(
      `Vault answered 403 for ${vault.url}/v1/secret/data/app/db: permission denied`
    )
  })

  it('reports a 404 for an unknown path (empty errors array) instead of loading nothing silently', async () => {
    const loaded = await loadSecrets(vaultSecret('secret/data/nope'), opts())
    expect(loaded.values()).toEqual([])
    expect(messages(loaded.problems)).toBe(
      `Vault answered 404 for ${vault.url}/v1/secret/data/nope: no secret at this path`
    )
  })

  it("shows Vault's warning when a KV v2 secret is read without data/ in the path (the usual mistake)", async () => {
    const loaded = await loadSecrets(vaultSecret('secret/app/db'), opts())
    expect(messages(loaded.problems)).toContain('404')
    expect(messages(loaded.problems)).toContain('Invalid path for a versioned K/V secrets engine')
  })

  it('gives up after timeoutMs with a problem, instead of hanging the pipeline load', async () => {
    const slow = await startFakeVault({ token: TOKEN, kv2: { x: { A: 'b' } }, delayMs: 5_000 })
    try {
      const started = Date.now()
      const loaded = await loadSecrets(
        { v: { source: 'vault', address: slow.url, path: 'secret/data/x', variables: [] } },
        opts(undefined, { timeoutMs: 150 })
      )
      expect(Date.now() - started).toBeLessThan(2_000)
      expect(messages(loaded.problems)).toBe(
        `Vault at ${slow.url}/v1/secret/data/x did not answer within 150 ms`
      )
    } finally {
      await slow.close()
    }
  })

  it('reports an unreachable Vault (connection refused) as a problem rather than throwing', async () => {
    const server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    server.close()
    await once(server, 'close')
    const loaded = await loadSecrets(
      {
        v: {
          source: 'vault',
          address: `http://127.0.0.1:${port}`,
          path: 'secret/data/x',
          variables: []
        }
      },
      opts()
    )
    const text = messages(loaded.problems)
    expect(text).toContain(`cannot reach Vault at http://127.0.0.1:${port}/v1/secret/data/x`)
    expect(text).toContain('ECONNREFUSED')
  })

  it('reports a 2xx body of the wrong shape (no data object, not JSON, deleted v2 version)', async () => {
    const bodies = [
      '{"data":"nope"}',
      'not json',
      '{"data":{"data":null,"metadata":{"version":3}}}',
      '[1,2]'
    ]
    const problems: string[] = []
    for (const body of bodies) {
      const fakeFetch: typeof fetch = () => Promise.resolve(new Response(body, { status: 200 }))
      const loaded = await loadSecrets(
        vaultSecret('secret/data/x'),
        opts(undefined, { fetch: fakeFetch })
      )
      expect(loaded.values()).toEqual([])
      problems.push(messages(loaded.problems))
    }
    expect(problems[0]).toContain('it has no "data" object')
    expect(problems[1]).toContain('with a body that is not JSON')
    expect(problems[2]).toContain('the latest version of this KV v2 secret is deleted or destroyed')
    expect(problems[3]).toContain('the body is not a JSON object')
  })

  it('does not follow a redirect, which would replay X-Vault-Token to whatever host Location names', async () => {
    let redirectMode: string | undefined
    const fakeFetch: typeof fetch = (_url, init) => {
      redirectMode = init?.redirect
      return Promise.resolve(
        new Response(null, {
          status: 307,
          headers: { location: 'https://evil.example/v1/secret/data/x' }
        })
      )
    }
    const loaded = await loadSecrets(
      vaultSecret('secret/data/x'),
      opts(undefined, { fetch: fakeFetch })
    )
    expect(redirectMode).toBe('manual')
    expect(messages(loaded.problems)).toContain(
      'answered 307 (a redirect to https://evil.example/v1/secret/data/x)'
    )
  })

  it('redacts the token even when Vault echoes it back in an error text', async () => {
    const fakeFetch: typeof fetch = () =>
      Promise.resolve(
        new Response(JSON.stringify({ errors: [`bad token ${TOKEN}`] }), { status: 400 })
      )
    const loaded = await loadSecrets(
      vaultSecret('secret/data/x'),
      opts(undefined, { fetch: fakeFetch })
    )
    expect(messages(loaded.problems)).toBe(
      `Vault answered 400 for ${vault.url}/v1/secret/data/x: bad token [redacted]`
    )
  })

  it('keeps user:password from the address out of problem messages', async () => {
    const fakeFetch: typeof fetch = () =>
      Promise.resolve(new Response('{"errors":["boom"]}', { status: 500 }))
    const address = vault.url.replace('http://', 'http://admin:hunter22@')
    const loaded = await loadSecrets(
      vaultSecret('secret/data/x', { address }),
      opts(undefined, { fetch: fakeFetch })
    )
    expect(messages(loaded.problems, ['hunter22'])).toBe(
      `Vault answered 500 for ${vault.url}/v1/secret/data/x: boom`
    )
  })
})
