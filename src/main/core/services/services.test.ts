/**
 * The control services called directly, over an in-memory SQLite store and a runtime that serves
 * only what the library holds. Catches: a save that parses or validates its text more than once
 * or reads the library more than once, version sizes in characters rather than bytes (or read from
 * every text), a secret change that leaves its pipeline failed, a settings patch that replaces a
 * section instead of merging it, traces' hops in the list, and a chat that never reports its end.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import * as source from '../../../shared/config/source'
import type { EventName } from '../../../shared/contract/events'
import type { Trace } from '../../../shared/trace'
import {
  type ControlFixture,
  controlFixture,
  echoComposition
} from '../../../../tests/support/control-services'
import { type FakeUpstream, startFakeUpstream } from '../../../../tests/support/fake-openai'
import { AppError, ControlFailure } from '../errors'

// Every parse of a composition's text goes through parseSource: counted here.
vi.mock('../../../shared/config/source', async (original) => {
  const real = await original<typeof source>()
  return { ...real, parseSource: vi.fn(real.parseSource) }
})
const parses = vi.mocked(source.parseSource)

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

let f: ControlFixture
const seen: { event: EventName; payload: unknown }[] = []
afterEach(async () => {
  seen.length = 0
  await f?.close()
})

function setup(): ControlFixture {
  seen.length = 0
  f = controlFixture()
  f.hub.subscribe((event, payload) => seen.push({ event, payload }))
  return f
}

/** The SQL of every statement the library's tables were read with while `fn` ran. */
async function libraryReads(fixture: ControlFixture, fn: () => unknown): Promise<string[]> {
  const prepare = vi.spyOn(fixture.store.db, 'prepare')
  try {
    await fn()
    return prepare.mock.calls
      .map(([sql]) => sql)
      .filter((sql) => /^\s*SELECT/i.test(sql) && /\bpipeline(s|_versions)\b/.test(sql))
  } finally {
    prepare.mockRestore()
  }
}

const usesSecret = (url: string): string =>
  JSON.stringify({
    ...JSON.parse(echoComposition(url)),
    secrets: { app: { source: 'store', variables: ['KEY'] } }
  })

describe('PipelinesService', () => {
  it('a save parses and validates its text once and reads the library once', async () => {
    const { services, runtime } = setup()
    const text = echoComposition(upstream.url)
    parses.mockClear()
    const reads = await libraryReads(f, () =>
      services.pipelines.save({ name: 'p', text, format: 'json' })
    )
    expect(parses).toHaveBeenCalledTimes(1)
    expect(reads).toHaveLength(1)
    expect(runtime.pipelines.get('p')).toBeDefined()

    // The second version too; and a text whose secret is missing is placed from the same parse.
    parses.mockClear()
    const again = await libraryReads(f, () =>
      services.pipelines.save({ name: 'p', text: usesSecret(upstream.url), format: 'json' })
    )
    expect(parses).toHaveBeenCalledTimes(1)
    expect(again).toHaveLength(1)
    expect(services.pipelines.list().pipelines[0]).toMatchObject({
      name: 'p',
      version: 2,
      status: 'error',
      error: expect.stringContaining('secret "app"')
    })
  })

  it('an invalid text is refused with its diagnostics and nothing is stored', async () => {
    const { services } = setup()
    const err = await services.pipelines
      .save({ name: 'p', text: '{"models": 3}', format: 'json' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ControlFailure)
    expect((err as ControlFailure).details?.diagnostics).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: ['models'] })])
    )
    expect(services.pipelines.list()).toEqual({ pipelines: [] })
  })

  it("versions carry each version's size in UTF-8 bytes, measured in one query", async () => {
    const { services } = setup()
    const small = echoComposition(upstream.url)
    const accented = JSON.stringify({ ...JSON.parse(small), description: 'é'.repeat(10) })
    await services.pipelines.save({ name: 'p', text: small, format: 'json' })
    await services.pipelines.save({ name: 'p', text: accented, format: 'json', message: 'é' })
    let versions: ReturnType<typeof services.pipelines.versions> | undefined
    const reads = await libraryReads(f, () => (versions = services.pipelines.versions('p')))
    expect(reads).toHaveLength(1)
    expect(versions?.versions).toEqual([
      expect.objectContaining({ version: 1, sizeBytes: Buffer.byteLength(small), message: null }),
      expect.objectContaining({ version: 2, sizeBytes: Buffer.byteLength(accented), message: 'é' })
    ])
    expect(Buffer.byteLength(accented)).toBe(accented.length + 10)
    expect(services.pipelines.getVersion('p', 2).sizeBytes).toBe(Buffer.byteLength(accented))
    expect(() => services.pipelines.versions('ghost')).toThrow(/no pipeline named "ghost"/)
  })

  it('restore serves the old text as a new version; diff and default follow the library', async () => {
    const { services, runtime } = setup()
    await services.pipelines.save({
      name: 'p',
      text: echoComposition(upstream.url),
      format: 'json'
    })
    await services.pipelines.save({ name: 'p', text: usesSecret(upstream.url), format: 'json' })
    expect(runtime.pipelines.get('p')).toBeDefined() // v1 still serves: v2 lacks its secret
    expect(await services.pipelines.restore('p', 1)).toEqual({ name: 'p', version: 3 })
    expect(services.pipelines.list().pipelines[0]).toMatchObject({ status: 'loaded', version: 3 })
    // v3 is v1's text: headers and no hunk; v2 → v3 drops the secrets.
    expect(services.pipelines.diff('p', 1).patch).toBe('--- p v1\n+++ p v3\n')
    expect(services.pipelines.diff('p', 2, 3).patch).toMatch(/^-.*"secrets"/m)
    expect(services.pipelines.setDefault('p')).toEqual({ defaultPipeline: 'p' })
    expect(f.store.settings.get('defaultPipeline')).toBe('p')
    expect(() => services.pipelines.setDefault('ghost')).toThrow(AppError)
  })
})

describe('SecretsService', () => {
  it('setting the secret a failed pipeline lacks serves it; the value never comes back', async () => {
    const { services, runtime } = setup()
    await services.pipelines.save({ name: 'p', text: usesSecret(upstream.url), format: 'json' })
    expect(runtime.pipelines.get('p')).toBeUndefined()
    expect(services.secrets.sources('p').sources[0]).toMatchObject({
      name: 'app',
      variables: [{ name: 'KEY', state: 'missing' }]
    })
    const set = await services.secrets.set('app.KEY', 'hunter2')
    expect(set).toMatchObject({ name: 'app.KEY', usedBy: ['p'] })
    expect(runtime.pipelines.get('p')).toBeDefined()
    expect(services.secrets.sources('p').sources[0]?.variables).toEqual([
      { name: 'KEY', state: 'resolved' }
    ])
    const listed = services.secrets.list()
    expect(listed.secrets).toEqual([
      { name: 'app.KEY', updatedAt: expect.any(Number), usedBy: ['p'] }
    ])
    expect(listed.storage.kind).toBe('env-key')
    expect(JSON.stringify([set, listed])).not.toContain('hunter2')
    expect(seen).toContainEqual({
      event: 'secret.changed',
      payload: { name: 'app.KEY', state: 'set' }
    })
    expect(await services.secrets.delete('app.KEY')).toEqual({ name: 'app.KEY', deleted: true })
    expect(await services.secrets.delete('app.KEY')).toEqual({ name: 'app.KEY', deleted: false })
    expect(() => services.secrets.sources('ghost')).toThrow(/no pipeline named "ghost"/)
  })
})

describe('SettingsService', () => {
  it('merges each section, applies the default pipeline at once, and announces the result', () => {
    const { services, runtime } = setup()
    const before = services.settings.get()
    const after = services.settings.set({ server: { port: 9000 }, defaultPipeline: 'p' })
    expect(after.server).toEqual({ ...before.server, port: 9000 })
    expect(after.traces).toEqual(before.traces)
    expect(runtime.pipelines.defaultSetting()).toBe('p')
    expect(services.settings.get()).toEqual(after)
    expect(seen).toEqual([{ event: 'settings.changed', payload: after }])
  })
})

describe('TracesService', () => {
  it('lists stored traces without hops, newest first, and finds one by id', () => {
    const { services, store } = setup()
    const trace = (id: string, startedAt: number): Trace => ({
      id,
      pipeline: 'p',
      stream: false,
      startedAt,
      durationMs: 1,
      status: 'ok',
      route: ['bot'],
      hops: [{ node: 'bot', action: 'answer', startedAt, durationMs: 1 }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
    })
    const now = Date.now()
    store.traceWriter.push(trace('a', now - 2000))
    store.traceWriter.push(trace('b', now - 1000))
    store.traceWriter.flush()
    const page = services.traces.list({ limit: 10 })
    expect(page.traces.map((t) => t.id)).toEqual(['b', 'a'])
    expect(page.traces[0]).not.toHaveProperty('hops')
    const older = services.traces.list({ limit: 10, until: now - 1500 })
    expect(older.traces.map((t) => t.id)).toEqual(['a'])
    expect(services.traces.get('a').hops).toHaveLength(1)
    expect(() => services.traces.get('nope')).toThrow(/no stored trace/)
  })

  it('lists and opens a trace still queued in the batched writer (a request that just ended)', () => {
    const { services, store } = setup()
    const now = Date.now()
    store.traceWriter.push({
      id: 'fresh',
      pipeline: 'p',
      stream: false,
      startedAt: now,
      durationMs: 1,
      status: 'ok',
      route: ['bot'],
      hops: [],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
    })
    expect(store.traceWriter.stats.queued).toBe(1)
    expect(services.traces.list({ limit: 10 }).traces.map((t) => t.id)).toEqual(['fresh'])
    expect(services.traces.get('fresh').id).toBe('fresh')
  })
})

describe('AccessService', () => {
  it('shows a token once, lists hints only, revokes', () => {
    const { services } = setup()
    const { token, app } = services.access.create('editor')
    expect(token.startsWith(app.hint.replace(/…$/, ''))).toBe(true)
    expect(JSON.stringify(services.access.list())).not.toContain(token)
    expect(services.access.revoke('editor')).toEqual({ name: 'editor', revoked: true })
    expect(services.access.list().apps[0]?.revokedAt).toEqual(expect.any(Number))
  })
})

describe('FunctionsService', () => {
  it("lists a served pipeline's functions with the hooks that call them, and tests one", async () => {
    const { services } = setup()
    const base = JSON.parse(echoComposition(upstream.url)) as {
      architecture: Record<string, unknown>[]
    }
    const echo = {
      type: 'shell',
      command: process.execPath,
      args: ['-e', 'process.stdin.pipe(process.stdout)'],
      stdin: true
    }
    const bot = { ...base.architecture[0], hooks: { pre: [{ function: 'echo' }] } }
    const text = JSON.stringify({
      ...base,
      functions: { echo },
      architecture: [bot, base.architecture[1]]
    })
    await services.pipelines.save({ name: 'fn', text, format: 'json' })
    expect(services.functions.list('fn').functions).toEqual([
      { name: 'echo', type: 'shell', usedBy: ['bot:pre'] }
    ])
    const tested = await services.functions.test({ pipeline: 'fn', name: 'echo', input: 'ping' })
    expect(tested).toMatchObject({ ok: true, output: 'ping', error: null })
    await expect(
      services.functions.test({ pipeline: 'fn', name: 'nope', input: 'x' })
    ).rejects.toThrow(/defines: echo/)
    expect(() => services.functions.list('ghost')).toThrow(/not being served/)
  })
})

describe('ChatService', () => {
  it('answers with an id, then streams deltas and one chat.done with the trace', async () => {
    const { services } = setup()
    await services.pipelines.save({
      name: 'p',
      text: echoComposition(upstream.url),
      format: 'json'
    })
    const { chatId } = services.chat.start({
      pipeline: 'p',
      messages: [{ role: 'user', content: 'hi' }],
      params: {}
    })
    await vi.waitFor(() => expect(seen.some((s) => s.event === 'chat.done')).toBe(true))
    const deltas = seen.filter((s) => s.event === 'chat.delta').map((s) => s.payload)
    expect(deltas.map((d) => (d as { content: string }).content).join('')).toMatch(/ says: hi$/)
    expect(seen.find((s) => s.event === 'chat.done')?.payload).toMatchObject({
      chatId,
      error: null,
      trace: { pipeline: 'p', status: 'ok' }
    })
    // Ended: stopping it now changes nothing.
    expect(services.chat.stop(chatId)).toEqual({ stopped: false })
    expect(() => services.chat.start({ pipeline: 'ghost', messages: [], params: {} })).toThrow(
      /not being served/
    )
  })
})
