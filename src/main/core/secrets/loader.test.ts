import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Composition } from '../../../shared/config/schema'
import { expandApiKey } from '../engine/credentials'
import type { SecretStore } from './types'
import {
  InMemorySecretStore,
  loadSecrets,
  resolveEnvFilePath,
  type LoadedSecrets,
  type LoadSecretsOptions
} from './loader'

const DOTENV = `# a comment line
export OPENAI_API_KEY="sk-quoted value with spaces"
DB_PASSWORD='single # not a comment'
PLAIN=plain-value-123 # a trailing comment

  # an indented comment
MULTI="line1\\nline2"
`

let dir: string
let home: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmnet-secrets-'))
  home = join(dir, 'home')
  await mkdir(join(dir, 'config'), { recursive: true })
  await mkdir(home, { recursive: true })
  await writeFile(join(dir, 'config', '.env'), DOTENV)
  await writeFile(join(home, 'secrets.env'), 'HOME_KEY=from-the-home-dir\n')
  await writeFile(join(dir, 'bad.env'), 'GOOD=good-value-1\nthis line leaks hunter2-secret\n')
  await writeFile(join(dir, 'empty.env'), '# nothing here\n')
})
afterAll(() => rm(dir, { recursive: true, force: true }))

function opts(more: Partial<LoadSecretsOptions> = {}): LoadSecretsOptions {
  return { env: {}, baseDir: dir, homeDir: home, ...more }
}

/** Asserts no loaded value (and no extra string) appears in any problem message. */
function expectNoValuesIn(loaded: LoadedSecrets, extra: string[] = []): void {
  const text = loaded.problems.map((p) => p.message).join('\n')
  for (const value of [...loaded.values(), ...extra]) expect(text).not.toContain(value)
}

describe('env-file secrets', () => {
  it('parses quotes, export prefixes and comments (the Rust llmnet kept "export " in keys and "# comments" in values)', async () => {
    const loaded = await loadSecrets(
      { app: { source: 'env-file', path: 'config/.env', variables: [] } },
      opts()
    )
    expect(loaded.problems).toEqual([])
    expect(loaded.get('app', 'OPENAI_API_KEY')).toBe('sk-quoted value with spaces')
    expect(loaded.get('app', 'DB_PASSWORD')).toBe('single # not a comment')
    expect(loaded.get('app', 'PLAIN')).toBe('plain-value-123')
    expect(loaded.get('app', 'MULTI')).toBe('line1\nline2')
    expect(loaded.keys()).toEqual([
      'app.OPENAI_API_KEY',
      'app.DB_PASSWORD',
      'app.PLAIN',
      'app.MULTI'
    ])
  })

  it('resolves a relative path against the composition directory, not the process cwd', async () => {
    const loaded = await loadSecrets(
      { app: { source: 'env-file', path: './config/.env', variables: ['PLAIN'] } },
      opts()
    )
    expect(loaded.get('app', 'PLAIN')).toBe('plain-value-123')
    expect(resolveEnvFilePath('x.env', '/srv/pipes', '/home/u')).toBe('/srv/pipes/x.env')
    expect(resolveEnvFilePath('/etc/x.env', '/srv/pipes', '/home/u')).toBe('/etc/x.env')
  })

  it('expands ~ to the home directory instead of looking for a directory literally named "~"', async () => {
    const loaded = await loadSecrets(
      { h: { source: 'env-file', path: '~/secrets.env', variables: [] } },
      opts()
    )
    expect(loaded.problems).toEqual([])
    expect(loaded.get('h', 'HOME_KEY')).toBe('from-the-home-dir')
    expect(resolveEnvFilePath('~', '/srv', '/home/u')).toBe('/home/u')
    expect(resolveEnvFilePath('~other/x', '/srv', '/home/u')).toBe('/srv/~other/x')
  })

  it('loads only the listed variables when variables is non-empty (all of them leaked into the lookup)', async () => {
    const loaded = await loadSecrets(
      { app: { source: 'env-file', path: 'config/.env', variables: ['PLAIN', 'DB_PASSWORD'] } },
      opts()
    )
    expect(loaded.problems).toEqual([])
    expect(loaded.keys()).toEqual(['app.PLAIN', 'app.DB_PASSWORD'])
    expect(loaded.get('app', 'OPENAI_API_KEY')).toBeUndefined()
  })

  it('reports a listed variable missing from the file, naming the variable and file but no value', async () => {
    const loaded = await loadSecrets(
      { app: { source: 'env-file', path: 'config/.env', variables: ['PLAIN', 'NOPE'] } },
      opts()
    )
    expect(loaded.get('app', 'PLAIN')).toBe('plain-value-123')
    expect(loaded.problems).toEqual([
      {
        name: 'app',
        source: 'env-file',
        message: `NOPE is not defined in ${join(dir, 'config', '.env')}`
      }
    ])
    expectNoValuesIn(loaded, ['sk-quoted value with spaces'])
  })

  it('reports a missing file as a problem instead of throwing and losing every other secret', async () => {
    const loaded = await loadSecrets(
      {
        gone: { source: 'env-file', path: 'missing.env', variables: [] },
        app: { source: 'env-file', path: 'config/.env', variables: ['PLAIN'] }
      },
      opts()
    )
    expect(loaded.get('app', 'PLAIN')).toBe('plain-value-123')
    expect(loaded.problems).toEqual([
      {
        name: 'gone',
        source: 'env-file',
        message: `cannot read env file ${join(dir, 'missing.env')}: no such file`
      }
    ])
  })

  it('reports a malformed line by number only, never echoing the line (it may hold a secret)', async () => {
    const loaded = await loadSecrets(
      { b: { source: 'env-file', path: 'bad.env', variables: [] } },
      opts()
    )
    expect(loaded.get('b', 'GOOD')).toBe('good-value-1')
    expect(loaded.problems.map((p) => p.message)).toEqual([
      `${join(dir, 'bad.env')}:2: expected KEY=VALUE; the line was skipped`
    ])
    expectNoValuesIn(loaded, ['hunter2-secret'])
  })

  it('reports a file that defines nothing, rather than loading an empty secret silently', async () => {
    const loaded = await loadSecrets(
      { e: { source: 'env-file', path: 'empty.env', variables: [] } },
      opts()
    )
    expect(loaded.problems.map((p) => p.message)).toEqual([
      `${join(dir, 'empty.env')} defines no variables`
    ])
  })
})

describe('env secrets', () => {
  it('stores an env variable under <name>.<variable>, read from opts.env rather than process.env', async () => {
    const loaded = await loadSecrets(
      { openai: { source: 'env', variable: 'MY_OPENAI_KEY' } },
      opts({ env: { MY_OPENAI_KEY: 'sk-from-env-1234' } })
    )
    expect(loaded.problems).toEqual([])
    expect(loaded.get('openai', 'MY_OPENAI_KEY')).toBe('sk-from-env-1234')
    expect(loaded.values()).toEqual(['sk-from-env-1234'])
  })

  it('reports an unset or empty variable instead of storing undefined or ""', async () => {
    const loaded = await loadSecrets(
      { a: { source: 'env', variable: 'UNSET_VAR' }, b: { source: 'env', variable: 'EMPTY_VAR' } },
      opts({ env: { EMPTY_VAR: '' } })
    )
    expect(loaded.keys()).toEqual([])
    expect(loaded.problems).toEqual([
      { name: 'a', source: 'env', message: 'environment variable UNSET_VAR is not set' },
      { name: 'b', source: 'env', message: 'environment variable EMPTY_VAR is empty' }
    ])
  })
})

describe('store secrets', () => {
  const store = new InMemorySecretStore({
    'openai.API_KEY': 'sk-store-openai-1',
    'openai.ORG': 'org-store-2',
    'other.API_KEY': 'sk-other-3'
  })

  it('reads the listed variables from the store as <name>.<VAR>', async () => {
    const loaded = await loadSecrets(
      { openai: { source: 'store', variables: ['API_KEY'] } },
      opts({ store })
    )
    expect(loaded.problems).toEqual([])
    expect(loaded.keys()).toEqual(['openai.API_KEY'])
    expect(loaded.get('openai', 'API_KEY')).toBe('sk-store-openai-1')
  })

  it("loads every key of that name (and no other name's) when variables is empty", async () => {
    const loaded = await loadSecrets(
      { openai: { source: 'store', variables: [] } },
      opts({ store })
    )
    expect(loaded.problems).toEqual([])
    expect(loaded.keys()).toEqual(['openai.API_KEY', 'openai.ORG'])
    expect(loaded.get('other', 'API_KEY')).toBeUndefined()
  })

  it('reports a listed variable the store lacks, and a name with no keys at all', async () => {
    const loaded = await loadSecrets(
      {
        openai: { source: 'store', variables: ['API_KEY', 'MISSING'] },
        nobody: { source: 'store', variables: [] }
      },
      opts({ store })
    )
    expect(loaded.get('openai', 'API_KEY')).toBe('sk-store-openai-1')
    expect(loaded.problems).toEqual([
      { name: 'openai', source: 'store', message: 'openai.MISSING is not in the secret store' },
      { name: 'nobody', source: 'store', message: 'the secret store holds no values for "nobody"' }
    ])
    expectNoValuesIn(loaded)
  })

  it('reports a store source when no store is configured (the headless CLI) instead of crashing', async () => {
    const loaded = await loadSecrets(
      { openai: { source: 'store', variables: ['API_KEY'] } },
      opts()
    )
    expect(loaded.problems).toHaveLength(1)
    expect(loaded.problems[0]).toMatchObject({ name: 'openai', source: 'store' })
    expect(loaded.problems[0]?.message).toContain('no secret store is configured')
  })

  it('turns a store that throws (locked, corrupt) into a problem for that source, keeping the others', async () => {
    const locked: SecretStore = {
      get: () => {
        throw new Error('the secret store is locked')
      },
      keys: () => ['x.A']
    }
    const loaded = await loadSecrets(
      { x: { source: 'store', variables: [] }, e: { source: 'env', variable: 'K' } },
      opts({ store: locked, env: { K: 'env-value-1' } })
    )
    expect(loaded.get('e', 'K')).toBe('env-value-1')
    expect(loaded.problems).toEqual([
      { name: 'x', source: 'store', message: 'could not be loaded: the secret store is locked' }
    ])
  })

  it('InMemorySecretStore.keys does not match a name that is only a prefix of another (openai vs openai2)', () => {
    const s = new InMemorySecretStore({ 'openai.A': '1', 'openai2.B': '2', openai: '3' })
    expect(s.keys('openai')).toEqual(['openai.A'])
    s.set('openai.C', '4')
    expect(s.get('openai.C')).toBe('4')
  })
})

describe('loadSecrets as a whole', () => {
  it('feeds $secrets.NAME.VAR in an api-key (the Rust llmnet parsed secrets but never loaded them)', async () => {
    const loaded = await loadSecrets(
      { app: { source: 'env-file', path: 'config/.env', variables: ['OPENAI_API_KEY'] } },
      opts()
    )
    expect(expandApiKey('$secrets.app.OPENAI_API_KEY', {}, loaded)).toBe(
      'sk-quoted value with spaces'
    )
    expect(() => expandApiKey('$secrets.app.PLAIN', {}, loaded)).toThrow(/not loaded/)
  })

  it('accepts an undefined or empty secrets map', async () => {
    for (const secrets of [undefined, {}] as (Composition['secrets'] | undefined)[]) {
      const loaded = await loadSecrets(secrets, opts())
      expect(loaded.values()).toEqual([])
      expect(loaded.problems).toEqual([])
      expect(loaded.get('x', 'Y')).toBeUndefined()
    }
  })

  it('lists each distinct value once in values(), for the redactor', async () => {
    const loaded = await loadSecrets(
      { a: { source: 'env', variable: 'K' }, b: { source: 'env', variable: 'K' } },
      opts({ env: { K: 'same-value-twice' } })
    )
    expect(loaded.keys()).toEqual(['a.K', 'b.K'])
    expect(loaded.values()).toEqual(['same-value-twice'])
  })

  it('puts no secret value in any problem message, across every source kind', async () => {
    const store = new InMemorySecretStore({ 's.KEY': 'store-value-xyz' })
    const loaded = await loadSecrets(
      {
        f: { source: 'env-file', path: 'config/.env', variables: ['PLAIN', 'ABSENT'] },
        g: { source: 'env-file', path: 'bad.env', variables: [] },
        e: { source: 'env', variable: 'NOT_SET' },
        s: { source: 'store', variables: ['KEY', 'ABSENT'] },
        v: {
          source: 'vault',
          address: 'http://127.0.0.1:1',
          path: 'secret/data/x',
          variables: [],
          token_env: 'T'
        }
      },
      opts({
        store,
        env: { T: 'vault-token-abc' },
        fetch: () => Promise.reject(new Error('offline vault-token-abc'))
      })
    )
    expect(loaded.problems.length).toBeGreaterThanOrEqual(5)
    expect(loaded.problems.map((p) => p.name)).toEqual(['f', 'g', 'e', 's', 'v'])
    expectNoValuesIn(loaded, ['hunter2-secret', 'vault-token-abc'])
  })
})
