/**
 * `store` secrets: encrypted at rest, key sources and their checks, wrong keys, change events,
 * and resolution through the secrets loader's `store` source.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadSecrets } from '../src/main/core/secrets/loader'
import { openDatabase, type OpenedDatabase } from '../src/main/core/storage/database'
import { AesGcmEncryptor, safeStorageEncryptor } from '../src/main/core/storage/encryption'
import { loadSecretKey } from '../src/main/core/storage/secret-key'
import { type SecretChange, SecretRepository } from '../src/main/core/storage/secret-repository'
import { tempDir } from './support/harness'
import { storageError } from './support/storage-helpers'

const PLAIN = 'sk-PLAINTEXT-do-not-store-4f9a1c'
let dir: string
let remove: () => void
let opened: OpenedDatabase | undefined

beforeEach(() => {
  const tmp = tempDir('llmnet-secrets-')
  dir = tmp.dir
  remove = tmp.remove
})
afterEach(() => {
  opened?.close()
  opened = undefined
  remove()
})

function open(): OpenedDatabase {
  opened?.close()
  opened = openDatabase(path.join(dir, 'llmnet.db'))
  return opened
}

describe('SecretRepository', () => {
  it('keeps values encrypted at rest: no file in the data folder holds the plaintext', () => {
    const { key } = loadSecretKey({ dataDir: dir, env: {} })
    const repo = new SecretRepository(open().db, new AesGcmEncryptor(key))
    repo.set('openai.API_KEY', PLAIN)
    const needle = Buffer.from(PLAIN)
    const scan = (): string[] =>
      readdirSync(dir).filter((f) => readFileSync(path.join(dir, f)).includes(needle))
    expect(scan()).toEqual([]) // the WAL, while open
    opened!.close()
    opened = undefined
    expect(scan()).toEqual([]) // the main file, after the checkpoint on close
    const again = new SecretRepository(
      open().db,
      new AesGcmEncryptor(loadSecretKey({ dataDir: dir, env: {} }).key)
    )
    expect(again.resolve('openai.API_KEY')).toBe(PLAIN)
  })

  it('lists names and times but never values', () => {
    const repo = new SecretRepository(open().db, new AesGcmEncryptor(randomBytes(32)), () => 42)
    repo.set('openai.API_KEY', PLAIN)
    repo.set('vault.TOKEN', 'another-value')
    const listed = repo.list()
    expect(listed).toEqual([
      {
        key: 'openai.API_KEY',
        name: 'openai',
        variable: 'API_KEY',
        kind: 'aes-256-gcm',
        updatedAt: 42
      },
      { key: 'vault.TOKEN', name: 'vault', variable: 'TOKEN', kind: 'aes-256-gcm', updatedAt: 42 }
    ])
    expect(JSON.stringify(listed)).not.toContain(PLAIN)
  })

  it('announces set and delete with the secret name, so its pipelines can be recompiled', () => {
    const repo = new SecretRepository(open().db, new AesGcmEncryptor(randomBytes(32)))
    const changes: SecretChange[] = []
    repo.onChange((c) => changes.push(c))
    repo.set('openai.API_KEY', 'a')
    repo.set('openai.API_KEY', 'b')
    expect(repo.delete('openai.API_KEY')).toBe(true)
    expect(repo.delete('openai.API_KEY')).toBe(false)
    expect(changes).toEqual([
      { kind: 'set', key: 'openai.API_KEY', name: 'openai' },
      { kind: 'set', key: 'openai.API_KEY', name: 'openai' },
      { kind: 'deleted', key: 'openai.API_KEY', name: 'openai' }
    ])
    expect(repo.resolve('openai.API_KEY')).toBeUndefined()
  })

  it('gives a clear error, naming the secret but not its value, under the wrong key', () => {
    const db = open().db
    new SecretRepository(db, new AesGcmEncryptor(randomBytes(32))).set('openai.API_KEY', PLAIN)
    const wrong = new SecretRepository(
      db,
      new AesGcmEncryptor(randomBytes(32), 'LLMNET_SECRET_KEY')
    )
    const err = storageError(() => wrong.resolve('openai.API_KEY'))
    expect(err.code).toBe('SECRET_DECRYPT_FAILED')
    expect(err.message).toContain('openai.API_KEY')
    expect(err.message).toContain('LLMNET_SECRET_KEY')
    expect(err.message).not.toContain(PLAIN)
  })

  it('refuses a value written by another encryptor instead of feeding it to this one', () => {
    const db = open().db
    const fake = {
      kind: 'electron-safe-storage',
      encrypt: (s: string) => Buffer.from(s),
      decrypt: String
    }
    new SecretRepository(db, fake).set('a.B', 'v')
    const err = storageError(() =>
      new SecretRepository(db, new AesGcmEncryptor(randomBytes(32))).resolve('a.B')
    )
    expect(err.message).toMatch(/encrypted by electron-safe-storage.*decrypts aes-256-gcm/)
  })

  it('refuses keys that are not <name>.<VARIABLE>', () => {
    const repo = new SecretRepository(open().db, new AesGcmEncryptor(randomBytes(32)))
    for (const key of ['noDot', '.X', 'a.', 'a b.X', 'a.B.C']) {
      expect(storageError(() => repo.set(key, 'v')).code).toBe('INVALID_INPUT')
    }
  })

  it('is the SecretStore that `store` sources resolve through, wrong key included', async () => {
    const db = open().db
    const key = randomBytes(32)
    const repo = new SecretRepository(db, new AesGcmEncryptor(key))
    repo.set('openai.API_KEY', PLAIN)
    repo.set('openai.ORG', 'org-1')
    const secrets = { openai: { source: 'store' as const, variables: [] } }
    const loaded = await loadSecrets(secrets, { env: {}, baseDir: dir, store: repo })
    expect(loaded.problems).toEqual([])
    expect(loaded.get('openai', 'API_KEY')).toBe(PLAIN)
    expect(loaded.get('openai', 'ORG')).toBe('org-1')

    const wrong = new SecretRepository(db, new AesGcmEncryptor(randomBytes(32)))
    const failed = await loadSecrets(secrets, { env: {}, baseDir: dir, store: wrong })
    expect(failed.problems[0]?.message).toMatch(/cannot decrypt secret openai\.(API_KEY|ORG)/)
    expect(JSON.stringify(failed.problems)).not.toContain(PLAIN)
  })
})

describe('the secret key', () => {
  it('creates a private key file in the data folder once and reuses it', () => {
    const first = loadSecretKey({ dataDir: dir, env: {} })
    expect(first).toMatchObject({ source: 'data-dir', created: true })
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600)
    const second = loadSecretKey({ dataDir: dir, env: {} })
    expect(second.created).toBe(false)
    expect(second.key.equals(first.key)).toBe(true)
  })

  it('refuses a key file that group or others can read, saying how to fix it', () => {
    loadSecretKey({ dataDir: dir, env: {} })
    const file = path.join(dir, 'secret.key')
    chmodSync(file, 0o644)
    const err = storageError(() => loadSecretKey({ dataDir: dir, env: {}, platform: 'linux' }))
    expect(err.code).toBe('SECRET_KEY_INSECURE')
    expect(err.message).toContain(file)
    expect(err.message).toContain('0644')
    expect(err.message).toContain('chmod 600')
  })

  it('takes the key from LLMNET_SECRET_KEY (hex or base64) before any file', () => {
    const key = randomBytes(32)
    for (const text of [key.toString('hex'), key.toString('base64')]) {
      const got = loadSecretKey({ dataDir: dir, env: { LLMNET_SECRET_KEY: text } })
      expect(got.source).toBe('env')
      expect(got.key.equals(key)).toBe(true)
    }
    expect(readdirSync(dir)).toEqual([])
  })

  it('rejects a malformed LLMNET_SECRET_KEY without echoing it', () => {
    const err = storageError(() =>
      loadSecretKey({ dataDir: dir, env: { LLMNET_SECRET_KEY: 'short-secret' } })
    )
    expect(err.code).toBe('SECRET_KEY_INVALID')
    expect(err.message).toContain('LLMNET_SECRET_KEY')
    expect(err.message).not.toContain('short-secret')
  })

  it('reads a mounted key file named by LLMNET_SECRET_KEY_FILE', () => {
    const key = randomBytes(32)
    const file = path.join(dir, 'mounted-key')
    writeFileSync(file, `${key.toString('base64')}\n`)
    const got = loadSecretKey({
      dataDir: path.join(dir, 'data'),
      env: { LLMNET_SECRET_KEY_FILE: file }
    })
    expect(got).toMatchObject({ source: 'file' })
    expect(got.key.equals(key)).toBe(true)
    const missing = storageError(() =>
      loadSecretKey({ dataDir: dir, env: { LLMNET_SECRET_KEY_FILE: path.join(dir, 'nope') } })
    )
    expect(missing.message).toContain('nope')
  })
})

describe('encryptors', () => {
  it('uses a fresh IV per value, so equal values encrypt differently', () => {
    const enc = new AesGcmEncryptor(randomBytes(32))
    const a = enc.encrypt(PLAIN)
    const b = enc.encrypt(PLAIN)
    expect(a.equals(b)).toBe(false)
    expect(enc.decrypt(a)).toBe(PLAIN)
  })

  it('detects a tampered value', () => {
    const enc = new AesGcmEncryptor(randomBytes(32))
    const blob = enc.encrypt(PLAIN)
    blob[blob.length - 1]! ^= 1
    expect(() => enc.decrypt(blob)).toThrow(/another key \(or altered\)/)
  })

  it('wraps safeStorage and warns on the Linux basic_text backend', () => {
    const fakeSafeStorage = (backend: string) => ({
      isEncryptionAvailable: () => true,
      encryptString: (s: string) => Buffer.from(s, 'utf8').reverse(),
      decryptString: (b: Buffer) => Buffer.from(b).reverse().toString('utf8'),
      getSelectedStorageBackend: () => backend
    })
    const basic = safeStorageEncryptor(fakeSafeStorage('basic_text'), 'linux')
    expect(basic.warning).toMatch(/basic_text/)
    expect(basic.decrypt(basic.encrypt('x'))).toBe('x')
    expect(
      safeStorageEncryptor(fakeSafeStorage('gnome_libsecret'), 'linux').warning
    ).toBeUndefined()
    const unavailable = { ...fakeSafeStorage('basic_text'), isEncryptionAvailable: () => false }
    expect(() => safeStorageEncryptor(unavailable, 'linux')).toThrow(/no encryption/)
  })
})
