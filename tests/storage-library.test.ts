/**
 * The pipeline library (versions, restore, diff, name clashes) and typed settings, against a real
 * temporary database with the production migrations.
 */
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { openDatabase, type OpenedDatabase } from '../src/main/core/storage/database'
import { StorageError } from '../src/main/core/storage/errors'
import {
  type LibraryChange,
  PipelineRepository
} from '../src/main/core/storage/pipeline-repository'
import { SettingsRepository } from '../src/main/core/storage/settings-repository'
import { PipelineNameSchema } from '../src/shared/contract/define'
import { PIPELINE_NAME_MAX } from '../src/shared/pipeline-name'
import { formatUnifiedDiff } from '../src/shared/text-diff'
import { tempDir } from './support/harness'
import { storageError } from './support/storage-helpers'

const code = (fn: () => unknown): string => storageError(fn).code

let opened: OpenedDatabase
let remove: () => void
let clock = 1_000
const now = (): number => clock++

beforeEach(() => {
  const tmp = tempDir('llmnet-lib-')
  remove = tmp.remove
  opened = openDatabase(path.join(tmp.dir, 'llmnet.db'))
})
afterEach(() => {
  opened.close()
  remove()
})

describe('PipelineRepository', () => {
  it('makes every save a new version and keeps the history', () => {
    const lib = new PipelineRepository(opened.db, now)
    expect(lib.save({ name: 'chat', text: 'a: 1\n', format: 'yaml' }).version).toBe(1)
    expect(lib.save({ name: 'chat', text: 'a: 2\n', format: 'yaml', note: 'bump' }).version).toBe(2)
    // Saving the same text again is still a save, so still a version.
    expect(lib.save({ name: 'chat', text: 'a: 2\n', format: 'yaml' }).version).toBe(3)
    expect(lib.get('chat')).toMatchObject({
      name: 'chat',
      version: 3,
      text: 'a: 2\n',
      enabled: true
    })
    expect(lib.versions('chat').map((v) => [v.version, v.note])).toEqual([
      [1, undefined],
      [2, 'bump'],
      [3, undefined]
    ])
    expect(lib.getVersion('chat', 1).text).toBe('a: 1\n')
    expect(lib.list().map((p) => [p.name, p.version])).toEqual([['chat', 3]])
  })

  it('restores an old version as a new one and diffs versions', () => {
    const lib = new PipelineRepository(opened.db, now)
    lib.save({ name: 'p', text: '{\n  "a": 1,\n  "b": 2\n}\n', format: 'json' })
    lib.save({ name: 'p', text: '{\n  "a": 1,\n  "b": 3\n}\n', format: 'json' })
    const restored = lib.restore('p', 1)
    expect(restored.version).toBe(3)
    expect(restored.text).toBe(lib.getVersion('p', 1).text)
    expect(lib.versions('p').at(-1)?.note).toBe('restored from version 1')
    const diff = lib.diff('p', 1, 2)
    expect(diff).toMatchObject({ added: 1, removed: 1 })
    expect(formatUnifiedDiff(diff, { from: 'p@1', to: 'p@2' })).toContain('-  "b": 2\n+  "b": 3')
    expect(lib.diff('p', 1, 3).hunks).toEqual([])
  })

  it('never lets create replace an existing pipeline', () => {
    const lib = new PipelineRepository(opened.db, now)
    lib.create({ name: 'one', text: 'x', format: 'json' })
    expect(code(() => lib.create({ name: 'one', text: 'other', format: 'json' }))).toBe(
      'NAME_TAKEN'
    )
    expect(lib.get('one')).toMatchObject({ version: 1, text: 'x' })
  })

  it('refuses a save based on an outdated version (two editors)', () => {
    const lib = new PipelineRepository(opened.db, now)
    lib.save({ name: 'p', text: 'v1', format: 'json' })
    lib.save({ name: 'p', text: 'v2 from window A', format: 'json', expectedVersion: 1 })
    expect(
      code(() =>
        lib.save({ name: 'p', text: 'v2 from window B', format: 'json', expectedVersion: 1 })
      )
    ).toBe('VERSION_CONFLICT')
    expect(lib.get('p')?.text).toBe('v2 from window A')
  })

  it('refuses names that could escape a workspace folder or break a URL', () => {
    const lib = new PipelineRepository(opened.db, now)
    for (const name of ['', '..', '../x', 'a/b', ' lead', 'x'.repeat(101), 'new\nline']) {
      expect(code(() => lib.save({ name, text: 't', format: 'json' }))).toBe('INVALID_INPUT')
    }
    expect(lib.list()).toEqual([])
  })

  it('keeps the name rule of the contract: 64 characters at most (catches a second, longer copy)', () => {
    const lib = new PipelineRepository(opened.db, now)
    const longest = `a${'b'.repeat(PIPELINE_NAME_MAX - 1)}`
    expect(PipelineNameSchema.safeParse(longest).success).toBe(true)
    expect(lib.save({ name: longest, text: 't', format: 'json' }).version).toBe(1)
    const tooLong = `${longest}c`
    expect(PipelineNameSchema.safeParse(tooLong).success).toBe(false)
    expect(
      storageError(() => lib.save({ name: tooLong, text: 't', format: 'json' }))
    ).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('1-64 letters') as string
    })
  })

  it('removes a pipeline with its versions, toggles enabled, and reports missing ones', () => {
    const lib = new PipelineRepository(opened.db, now)
    const changes: LibraryChange[] = []
    lib.onChange((c) => changes.push(c))
    lib.save({ name: 'p', text: 'a', format: 'json' })
    lib.save({ name: 'p', text: 'b', format: 'json' })
    lib.setEnabled('p', false)
    expect(lib.get('p')?.enabled).toBe(false)
    expect(lib.remove('p')).toBe(true)
    expect(lib.remove('p')).toBe(false)
    expect(lib.get('p')).toBeUndefined()
    expect(opened.db.prepare('SELECT count(*) AS n FROM pipeline_versions').get()).toEqual({ n: 0 })
    expect(code(() => lib.versions('p'))).toBe('NOT_FOUND')
    expect(code(() => lib.setEnabled('p', true))).toBe('NOT_FOUND')
    expect(changes).toEqual([
      { kind: 'saved', name: 'p', version: 1 },
      { kind: 'saved', name: 'p', version: 2 },
      { kind: 'enabled', name: 'p', enabled: false },
      { kind: 'removed', name: 'p' }
    ])
  })

  it('keeps a failed save out of the history (the transaction rolls back)', () => {
    const lib = new PipelineRepository(opened.db, now)
    lib.save({ name: 'p', text: 'a', format: 'json' })
    expect(code(() => lib.save({ name: 'p', text: 'b', format: 'toml' as 'json' }))).toBe(
      'INVALID_INPUT'
    )
    expect(lib.versions('p')).toHaveLength(1)
    expect(lib.get('p')?.version).toBe(1)
  })
})

describe('SettingsRepository', () => {
  const Settings = z.object({
    defaultPipeline: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).default(8080),
    server: z.object({ host: z.string().default('127.0.0.1') }).default({ host: '127.0.0.1' })
  })

  it('returns schema defaults, stores values typed, and survives a reopen', () => {
    const settings = new SettingsRepository(opened.db, Settings, now)
    expect(settings.get('port')).toBe(8080)
    expect(settings.get('defaultPipeline')).toBeUndefined()
    settings.set('port', 9000)
    settings.set('defaultPipeline', 'chat')
    const again = new SettingsRepository(opened.db, Settings, now)
    expect(again.all()).toEqual({
      port: 9000,
      defaultPipeline: 'chat',
      server: { host: '127.0.0.1' }
    })
  })

  it('refuses a bad value with the field path and stores nothing', () => {
    const settings = new SettingsRepository(opened.db, Settings, now)
    let error: unknown
    try {
      settings.set('server', { host: 42 as unknown as string })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).code).toBe('SETTING_INVALID')
    expect((error as Error).message).toContain('server.host')
    expect(settings.get('server')).toEqual({ host: '127.0.0.1' })
  })

  it('reports a stored value the schema no longer accepts instead of returning it', () => {
    const settings = new SettingsRepository(opened.db, Settings, now)
    opened.db
      .prepare("INSERT INTO settings (key, value, updated_at) VALUES ('port', '\"high\"', 0)")
      .run()
    expect(code(() => settings.get('port'))).toBe('SETTING_INVALID')
    settings.reset('port')
    expect(settings.get('port')).toBe(8080)
  })

  it('refuses unknown keys and tells listeners about changes', () => {
    const settings = new SettingsRepository(opened.db, Settings, now)
    const seen: [string, unknown][] = []
    settings.onChange((k, v) => seen.push([k, v]))
    expect(code(() => settings.set('nope' as 'port', 1))).toBe('SETTING_INVALID')
    settings.set('defaultPipeline', 'x')
    expect(seen).toEqual([['defaultPipeline', 'x']])
  })
})
