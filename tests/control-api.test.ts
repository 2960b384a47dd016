/**
 * Every control route against a real app runtime (temp data folder, real SQLite, a fake
 * OpenAI-compatible upstream), once over HTTP (`/api`, bearer token) and once through the IPC
 * adapter with a fake trusted sender. The same scenario runs on both transports, so a handler
 * that only works on one of them fails here.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest'
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '../src/shared/contract/channels'
import type { Envelope } from '../src/shared/contract/errors'
import type { EventName } from '../src/shared/contract/events'
import type { OutputOf, RequestOf, RouteName } from '../src/shared/contract/routes'
import { bindIpc, type IpcEventLike, type IpcMainLike } from '../src/main/control/ipc'
import { type AppRuntime, createAppRuntime } from '../src/main/runtime'
import { defaultResponder, type FakeUpstream, startFakeUpstream } from './support/fake-openai'
import { tempDir } from './support/harness'

type Call = <R extends RouteName>(route: R, input: RequestOf<R>) => Promise<Envelope<OutputOf<R>>>

const ROOT = path.resolve(__dirname, '..')

function composition(url: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      models: { m: { type: 'external', url: `${url}/v1` } },
      architecture: [
        {
          name: 'bot',
          layer: 0,
          model: 'm',
          adapter: 'openai-api',
          'output-to': ['output'],
          'extra-options': { model_override: 'tiny' }
        },
        { name: 'output', adapter: 'output' }
      ],
      ...extra
    },
    null,
    2
  )
}

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream((req, i) => {
    const last = req.body?.messages?.at(-1)?.content
    return last === 'wait forever' ? { hang: true } : defaultResponder(req, i)
  })
})
afterAll(() => upstream.close())

const running: { app: AppRuntime; remove(): void }[] = []
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.app.stop({ graceMs: 100 })
    r.remove()
  }
})

async function startApp(): Promise<AppRuntime> {
  const tmp = tempDir('llmnet-control-')
  const app = await createAppRuntime({
    dataDir: tmp.dir,
    env: { LLMNET_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }
  })
  running.push({ app, remove: tmp.remove })
  const state = await app.start({ host: '127.0.0.1', port: 0 })
  expect(state.state).toBe('running')
  return app
}

/** Over HTTP: POST /api/<route> with the bearer token; events from GET /api/events. */
function httpTransport(app: AppRuntime): { call: Call; events: Collected } {
  const url = app.server.status().url as string
  const call: Call = async (route, input) => {
    const res = await fetch(`${url}/api/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
      body: JSON.stringify(input ?? {})
    })
    return (await res.json()) as never
  }
  return { call, events: collect(app) }
}

/** Through bindIpc with a fake ipcMain and a trusted top-level page. */
function ipcTransport(app: AppRuntime): { call: Call; events: Collected } {
  const handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => unknown>()
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
    on: () => undefined,
    removeListener: () => undefined
  }
  const page = 'file:///app/out/renderer/index.html'
  bindIpc(ipcMain, app.control.handlers, { isTrustedSender: (u, main) => main && u === page })
  const sender = { id: 1, send: () => undefined, isDestroyed: () => false, once: () => undefined }
  const event = { sender, senderFrame: { url: page, parent: null } } as unknown as IpcEventLike
  const call: Call = async (route, input) =>
    (await handlers.get(REQUEST_CHANNEL)?.(event, route, input)) as never
  expect(EVENT_CHANNEL).not.toBe(REQUEST_CHANNEL)
  return { call, events: collect(app) }
}

interface Collected {
  seen: { event: EventName; payload: unknown }[]
  next(event: EventName, match?: (p: never) => boolean): Promise<unknown>
}

/** The app's event hub, as both transports read it. */
function collect(app: AppRuntime): Collected {
  const seen: Collected['seen'] = []
  const waiting: { event: EventName; match: (p: never) => boolean; resolve(p: unknown): void }[] =
    []
  app.control.hub.subscribe((event, payload) => {
    seen.push({ event, payload })
    for (const w of [...waiting]) {
      if (w.event === event && w.match(payload as never)) {
        waiting.splice(waiting.indexOf(w), 1)
        w.resolve(payload)
      }
    }
  })
  return {
    seen,
    next: (event, match = () => true) =>
      new Promise((resolve) => waiting.push({ event, match, resolve }))
  }
}

function ok<T>(e: Envelope<T>): T {
  if (!e.ok) throw new Error(`expected ok, got ${JSON.stringify(e.error)}`)
  return e.data
}

async function scenario(app: AppRuntime, { call, events }: { call: Call; events: Collected }) {
  // ── pipelines: save (a version each time), list, get, versions, diff, restore, default ──
  expect(ok(await call('pipelines.list', {})).pipelines).toEqual([])
  const v1 = ok(
    await call('pipelines.save', { name: 'chat', text: composition(upstream.url), format: 'json' })
  )
  expect(v1.version).toBe(1)
  const edited = composition(upstream.url, { description: 'second' })
  const v2 = ok(
    await call('pipelines.save', {
      name: 'chat',
      text: edited,
      format: 'json',
      message: 'describe it'
    })
  )
  expect(v2.version).toBe(2)
  const list = ok(await call('pipelines.list', {})).pipelines
  expect(list).toEqual([
    expect.objectContaining({
      name: 'chat',
      source: 'library',
      status: 'loaded',
      version: 2,
      isDefault: true
    })
  ])
  expect(ok(await call('pipelines.get', { name: 'chat' })).text).toBe(edited)
  const versions = ok(await call('pipelines.versions', { name: 'chat' })).versions
  expect(versions.map((v) => [v.version, v.message])).toEqual([
    [1, null],
    [2, 'describe it']
  ])
  expect(ok(await call('pipelines.get_version', { name: 'chat', version: 1 })).text).toBe(
    composition(upstream.url)
  )
  const diff = ok(await call('pipelines.diff', { name: 'chat', from: 1 }))
  expect(diff.to).toBe(2)
  expect(diff.patch).toContain('+  "description": "second"')
  expect(ok(await call('pipelines.restore', { name: 'chat', version: 1 })).version).toBe(3)
  expect(app.runtime.pipelines.get('chat')?.composition.description).toBeUndefined()

  // Invalid text is refused with its diagnostics, and nothing is saved.
  const bad = await call('pipelines.save', {
    name: 'chat',
    text: '{"models": {}, "architecture": [}',
    format: 'json'
  })
  expect(bad.ok).toBe(false)
  if (!bad.ok) {
    expect(bad.error.code).toBe('invalid_request')
    expect(bad.error.details?.diagnostics).toContainEqual(
      expect.objectContaining({ line: 1, column: 34, severity: 'error' })
    )
  }
  expect(ok(await call('pipelines.versions', { name: 'chat' })).versions).toHaveLength(3)
  const check = ok(
    await call('pipelines.validate', { text: 'models: {}\narchitecture: nope\n', format: 'yaml' })
  )
  expect(check.ok).toBe(false)
  expect(check.diagnostics[0]).toMatchObject({ line: 2 })

  ok(
    await call('pipelines.save', { name: 'other', text: composition(upstream.url), format: 'json' })
  )
  expect(ok(await call('pipelines.set_default', { name: 'other' })).defaultPipeline).toBe('other')
  expect(app.runtime.pipelines.resolve('llmnet')?.id).toBe('other')
  expect(ok(await call('settings.get', {})).defaultPipeline).toBe('other')
  const disabled = ok(await call('pipelines.set_enabled', { name: 'other', enabled: false }))
  expect(disabled.status).toBe('disabled')
  expect(app.runtime.pipelines.get('other')).toBeUndefined()
  ok(await call('pipelines.set_enabled', { name: 'other', enabled: true }))
  expect(app.runtime.pipelines.get('other')).toBeDefined()
  const removedEvent = events.next('pipeline.removed', (p: { name: string }) => p.name === 'other')
  expect(ok(await call('pipelines.remove', { name: 'other' })).removed).toBe(true)
  expect(await removedEvent).toEqual({ name: 'other', path: null })
  expect(ok(await call('pipelines.remove', { name: 'other' })).removed).toBe(false)
  const missing = await call('pipelines.get', { name: 'nope' })
  expect(!missing.ok && missing.error.code).toBe('not_found')

  // ── chat: the same engine as /v1, deltas then done with the trace ──
  const done = events.next('chat.done')
  const { chatId } = ok(
    await call('chat.start', {
      pipeline: 'chat',
      messages: [{ role: 'user', content: 'hello there' }]
    })
  )
  const finished = (await done) as {
    chatId: string
    trace: { route: string[]; id: string } | null
    error: unknown
  }
  expect(finished.chatId).toBe(chatId)
  expect(finished.error).toBeNull()
  expect(finished.trace?.route).toEqual(['bot', 'output'])
  const deltas = events.seen
    .filter((e) => e.event === 'chat.delta' && (e.payload as { chatId: string }).chatId === chatId)
    .map((e) => (e.payload as { content: string }).content)
    .join('')
  expect(deltas).toBe('tiny says: hello there')
  expect(ok(await call('chat.stop', { chatId })).stopped).toBe(false) // already finished
  // A chat the upstream never answers: stop cancels it, and it still ends with chat.done.
  const hung = ok(
    await call('chat.start', {
      pipeline: 'chat',
      messages: [{ role: 'user', content: 'wait forever' }]
    })
  )
  const stoppedDone = events.next('chat.done', (p: { chatId: string }) => p.chatId === hung.chatId)
  // Stop once the upstream has the request, so the stop cancels a call in flight.
  await new Promise<void>((resolve) => {
    const poll = (): void => {
      if (upstream.requests.some((r) => r.body?.messages?.at(-1)?.content === 'wait forever'))
        resolve()
      else setTimeout(poll, 10)
    }
    poll()
  })
  expect(ok(await call('chat.stop', { chatId: hung.chatId })).stopped).toBe(true)
  expect(((await stoppedDone) as { error: { code: string } }).error.code).toBe('client_closed')

  // ── traces: the chat is persisted (batch writer) with its exchange, listed and fetched ──
  app.store.traceWriter.flush()
  const traces = ok(await call('traces.list', { pipeline: 'chat' })).traces
  expect(traces.map((t) => t.id)).toContain(chatId)
  const stored = ok(await call('traces.get', { id: chatId }))
  expect(stored.answer).toBe('tiny says: hello there')
  expect(stored.request?.messages).toEqual([{ role: 'user', content: 'hello there' }])
  expect(ok(await call('traces.list', { node: 'nowhere' })).traces).toEqual([])
  const noTrace = await call('traces.get', { id: 'missing' })
  expect(!noTrace.ok && noTrace.error.code).toBe('not_found')

  // ── secrets: set, list without values, recompile the pipeline that reads them, delete ──
  // An env-file in the pipeline's workspace (resolves at once) beside a store secret (missing).
  const workspace = app.runtime.pipelineService.workspaceFor('secretive')
  mkdirSync(workspace, { recursive: true })
  writeFileSync(path.join(workspace, 'keys.env'), 'ORG=org-from-env-file\nREGION=eu-west\n')
  const secretText = composition(upstream.url, {
    secrets: {
      vault: { source: 'store', variables: ['TOKEN'] },
      dotenv: { source: 'env-file', path: 'keys.env' }
    }
  })
  const waiting = ok(
    await call('pipelines.save', { name: 'secretive', text: secretText, format: 'json' })
  )
  expect(waiting.version).toBe(1)
  expect(
    ok(await call('pipelines.list', {})).pipelines.find((p) => p.name === 'secretive')?.status
  ).toBe('error')
  const before = ok(await call('secrets.sources', { pipeline: 'secretive' }))
  expect(before.sources).toEqual([
    {
      pipeline: 'secretive',
      name: 'vault',
      source: 'store',
      detail: "the app's secret store",
      variables: [{ name: 'TOKEN', state: 'missing' }],
      problem: expect.stringContaining('vault.TOKEN is not in the secret store')
    },
    {
      pipeline: 'secretive',
      name: 'dotenv',
      source: 'env-file',
      detail: 'keys.env',
      variables: [
        { name: 'ORG', state: 'resolved' },
        { name: 'REGION', state: 'resolved' }
      ],
      problem: null
    }
  ])
  expect(JSON.stringify(before)).not.toMatch(/org-from-env-file|eu-west/)
  const unknown = await call('secrets.sources', { pipeline: 'nowhere' })
  expect(!unknown.ok && unknown.error.code).toBe('not_found')
  ok(await call('secrets.set', { name: 'vault.TOKEN', value: 'sk-very-secret-value' }))
  const after = ok(await call('secrets.sources', {}))
  expect(after.sources.filter((s) => s.pipeline === 'secretive')).toEqual([
    expect.objectContaining({ name: 'vault', variables: [{ name: 'TOKEN', state: 'resolved' }] }),
    // Served now: the env-file lists no variables, so its loaded keys are shown.
    expect.objectContaining({
      name: 'dotenv',
      variables: [
        { name: 'ORG', state: 'resolved' },
        { name: 'REGION', state: 'resolved' }
      ],
      problem: null
    })
  ])
  expect(after.sources.find((s) => s.name === 'vault')?.problem).toBeNull()
  expect(JSON.stringify(after)).not.toMatch(/sk-very-secret-value|org-from-env-file|eu-west/)
  const secrets = ok(await call('secrets.list', {}))
  expect(secrets.secrets).toEqual([
    expect.objectContaining({ name: 'vault.TOKEN', usedBy: ['secretive'] })
  ])
  expect(JSON.stringify(secrets)).not.toContain('sk-very-secret-value')
  expect(secrets.storage.kind).toBe('env-key')
  expect(app.runtime.pipelines.get('secretive')?.secrets.get('vault', 'TOKEN')).toBe(
    'sk-very-secret-value'
  )
  expect(ok(await call('secrets.delete', { name: 'vault.TOKEN' })).deleted).toBe(true)
  // The pipeline that read it can no longer load: it says so (and keeps serving what it had).
  const afterDelete = ok(await call('pipelines.list', {})).pipelines
  expect(afterDelete.find((p) => p.name === 'secretive')).toMatchObject({
    status: 'error',
    error: expect.stringContaining('vault') as unknown
  })
  expect(ok(await call('secrets.list', {})).secrets).toEqual([])

  // ── functions: listed with the hooks that call them, tested with sample input ──
  const withFunction = composition(upstream.url, {
    functions: {
      echo: {
        type: 'shell',
        command: process.execPath,
        args: ['-e', 'process.stdin.pipe(process.stdout)'],
        stdin: true
      }
    }
  })
  ok(await call('pipelines.save', { name: 'fn', text: withFunction, format: 'json' }))
  expect(ok(await call('functions.list', { pipeline: 'fn' })).functions).toEqual([
    { name: 'echo', type: 'shell', usedBy: [] }
  ])
  const tested = ok(await call('functions.test', { pipeline: 'fn', name: 'echo', input: 'ping' }))
  expect(tested).toMatchObject({ ok: true, output: 'ping', error: null })
  const noFn = await call('functions.test', { pipeline: 'fn', name: 'nope', input: 'x' })
  expect(!noFn.ok && noFn.error.message).toContain('defines: echo')

  // ── models: list, load of an endpoint model is refused, Ollama state, pulls ──
  const models = ok(await call('models.list', {}))
  expect(models).toEqual({ runtime: [], local: [], pulls: [] })
  const load = await call('models.load', { key: 'm', pipeline: 'chat' })
  expect(!load.ok && load.error.message).toMatch(/own endpoint/)
  const ollama = ok(await call('models.ollama_status', {}))
  expect(ollama.running).toBe(false)
  const notDownloadable = await call('models.pull', {
    source: '/abs/model.gguf',
    runner: 'llama-cpp'
  })
  expect(!notDownloadable.ok && notDownloadable.error.message).toMatch(/local path/)
  // A source of an unknown scheme is refused by name (was a 500 internal_error).
  const badSource = await call('models.pull', { source: 's3://bucket/m.gguf', runner: 'llama-cpp' })
  expect(!badSource.ok && badSource.error).toMatchObject({
    code: 'invalid_request',
    message: expect.stringMatching(/^source: unsupported model source s3:\/\/bucket\/m\.gguf/),
    details: { param: 'source' }
  })
  // A download from an address that refuses: the pull fails and says why, in an event.
  const failed = events.next('model.pull_progress', (p: { state: string }) => p.state === 'failed')
  const { pullId } = ok(
    await call('models.pull', { source: 'http://127.0.0.1:9/m.gguf', runner: 'llama-cpp' })
  )
  expect(((await failed) as { pullId: string }).pullId).toBe(pullId)
  expect(ok(await call('models.cancel_pull', { pullId })).cancelled).toBe(false)
  const deleted = await call('models.delete', { name: 'missing.gguf', runner: 'llama-cpp' })
  // A missing model is a 404 naming the field, not an internal error.
  expect(!deleted.ok && deleted.error).toMatchObject({
    code: 'not_found',
    details: { param: 'name' }
  })

  // ── settings ──
  const settings = ok(await call('settings.set', { traces: { maxCount: 50 } }))
  expect(settings.traces).toEqual({ enabled: true, maxCount: 50, maxAgeDays: 7 })
  const badSetting = await call('settings.set', { server: { port: 70000 } })
  expect(!badSetting.ok && badSetting.error.details?.issues).toBeDefined()

  // ── server: status, stop, start (the tray's buttons) ──
  expect(ok(await call('server.status', {})).state).toBe('running')
}

describe('the control API over every transport', () => {
  it('carries every route over HTTP with the bearer token', async () => {
    const app = await startApp()
    await scenario(app, httpTransport(app))
    // Without the token, nothing.
    const res = await fetch(`${app.server.status().url}/api/pipelines.list`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}'
    })
    expect(res.status).toBe(401)
  })

  it('carries every route through the IPC adapter with a trusted sender', async () => {
    const app = await startApp()
    const ipc = ipcTransport(app)
    await scenario(app, ipc)
    // Over IPC the server can be stopped and started again (the tray's buttons).
    expect(ok(await ipc.call('server.stop', {})).state).toBe('stopped')
    const again = ok(await ipc.call('server.start', { port: 0 }))
    expect(again.state).toBe('running')
    expect(again.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('the UI page trades ?token= for a session cookie plus a key; /api needs both (catches a stolen cookie used alone)', async () => {
    const ui = tempDir('llmnet-ui-')
    mkdirSync(path.join(ui.dir, 'assets'))
    writeFileSync(path.join(ui.dir, 'index.html'), '<title>llmnet</title>')
    const tmp = tempDir('llmnet-control-')
    const app = await createAppRuntime({ dataDir: tmp.dir, env: {}, uiDir: ui.dir })
    running.push({ app, remove: () => (tmp.remove(), ui.remove()) })
    const url = (await app.start({ host: '127.0.0.1', port: 0 })).url as string
    const trade = await fetch(`${url}/?token=${app.token}`, { redirect: 'manual' })
    expect(trade.status).toBe(303)
    const key = /^\/#session=([\w-]+)$/.exec(trade.headers.get('location') ?? '')?.[1] as string
    expect(key).toMatch(/^[\w-]{32}$/)
    const cookie = (trade.headers.get('set-cookie') ?? '').split(';')[0] as string
    const page = await fetch(`${url}/`, { headers: { cookie } })
    expect(await page.text()).toContain('<title>llmnet</title>')
    const api = (headers: Record<string, string>) =>
      fetch(`${url}/api/server.status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}'
      })
    const same = { origin: url }
    expect((await api({ cookie, 'x-llmnet-session': key, ...same })).status).toBe(200)
    // The cookie alone, even with a same-origin Origin, is what a cookie-stealing listener has.
    const alone = await api({ cookie, ...same })
    expect(alone.status).toBe(401)
    expect(((await alone.json()) as { error: { message: string } }).error.message).toContain(
      'x-llmnet-session'
    )
    expect((await api({ cookie, 'x-llmnet-session': `${key}x` })).status).toBe(401)
    expect((await api({ cookie: 'llmnet_session=forged', 'x-llmnet-session': key })).status).toBe(
      401
    )
    expect((await api({ 'x-llmnet-session': key })).status).toBe(401)
    // The event stream takes the key as ?session= (EventSource sends no headers).
    const events = (q: string) => fetch(`${url}/api/events${q}`, { headers: { cookie } })
    expect((await events('')).status).toBe(401)
    const live = await events(`?session=${key}`)
    expect(live.status).toBe(200)
    await live.body?.cancel()
    // Another site's page cannot ride on the cookie: its Origin is refused.
    const cross = await api({ cookie, 'x-llmnet-session': key, origin: 'https://evil.example' })
    expect(cross.status).toBe(403)
  })

  it('per-app access: with keys required, /v1 needs an app token; the trace names the app; revoked tokens stop working', async () => {
    const app = await startApp()
    const { call } = httpTransport(app)
    ok(
      await call('pipelines.save', {
        name: 'chat',
        text: composition(upstream.url),
        format: 'json'
      })
    )
    const url = app.server.status().url as string
    const ask = (token?: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {})
        },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })
      })
    expect((await ask()).status).toBe(200) // open by default, as before
    ok(await call('settings.set', { access: { requireKeys: true } }))
    const refused = await ask()
    expect(refused.status).toBe(401)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      'requires an app token'
    )
    const created = ok(await call('access.create', { name: 'Editor' }))
    const answered = await ask(created.token)
    expect(answered.status).toBe(200)
    const id = answered.headers.get('x-request-id') as string
    app.store.traceWriter.flush()
    expect(ok(await call('traces.get', { id })).app).toBe('Editor')
    const listed = ok(await call('access.list', {})).apps
    expect(listed).toEqual([expect.objectContaining({ name: 'Editor', revokedAt: null })])
    expect(JSON.stringify(listed)).not.toContain(created.token)
    expect(ok(await call('access.revoke', { name: 'Editor' })).revoked).toBe(true)
    expect((await ask(created.token)).status).toBe(401)
    // Headless there is no one to ask: an unknown token is refused with how to get one.
    const unknown = await ask('llmnet_0123456789abcdef0123456789')
    expect(unknown.status).toBe(401)
  })

  it('an app token sent as x-api-key (how the Anthropic SDK sends keys) names the app, like a bearer token', async () => {
    const app = await startApp()
    const { call } = httpTransport(app)
    ok(
      await call('pipelines.save', {
        name: 'chat',
        text: composition(upstream.url),
        format: 'json'
      })
    )
    const created = ok(await call('access.create', { name: 'Claude tool' }))
    const url = app.server.status().url as string
    const answered = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': created.token },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })
    })
    expect(answered.status).toBe(200)
    const id = answered.headers.get('x-request-id') as string
    app.store.traceWriter.flush()
    expect(ok(await call('traces.get', { id })).app).toBe('Claude tool')
  })

  it('imports every file in examples/ into the library', async () => {
    const app = await startApp()
    const { call } = httpTransport(app)
    const files = readdirSync(path.join(ROOT, 'examples')).filter((f) => /\.(json|ya?ml)$/.test(f))
    expect(files.length).toBeGreaterThanOrEqual(11)
    for (const f of files) {
      const text = readFileSync(path.join(ROOT, 'examples', f), 'utf8')
      const name = f.replace(/\.(json|ya?ml)$/, '')
      const saved = await call('pipelines.save', {
        name,
        text,
        format: f.endsWith('.json') ? 'json' : 'yaml'
      })
      expect(saved.ok, `${f}: ${JSON.stringify(saved)}`).toBe(true)
    }
    const names = ok(await call('pipelines.list', {})).pipelines.map((p) => p.name)
    expect(names).toHaveLength(files.length)
  })
})
