/**
 * Hooks, the ws adapter and secrets through the whole stack: a real runtime on port 0, the
 * fake OpenAI upstream, real hook servers (HTTP and WebSocket) and the official openai client.
 */
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import type { Trace } from '../src/main/core/engine/trace'
import { runCli } from '../src/main/cli/program'
import { startFakeUpstream, type FakeUpstream } from './support/fake-openai'
import { hookServer } from './support/hook-server'
import { startFakeVault } from './support/fake-vault'
import { createRuntime } from '../src/main/runtime'
import {
  externalModel,
  type Json,
  messagesOf,
  openaiClient,
  serve,
  type Served,
  tempDir,
  writeComposition
} from './support/harness'

function nextTrace(s: Served): Promise<Trace> {
  return new Promise((resolve) => {
    const off = s.runtime.events.on('trace', (t) => {
      off()
      resolve(t)
    })
  })
}

const rest = (url: string, extra: Json = {}): Json => ({
  type: 'rest',
  method: 'POST',
  url,
  body: { input: '$INPUT', output: '$OUTPUT' },
  ...extra
})

let upstream: FakeUpstream
const open: { close(): Promise<void> }[] = []

beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(async () => {
  await upstream.close()
})
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close()
  upstream.requests.length = 0
})

async function track<T extends { close(): Promise<void> }>(x: Promise<T>): Promise<T> {
  const v = await x
  open.push(v)
  return v
}

function oneZeroOne(hooks: Json, functions: Json, extra: Json = {}): Json {
  return {
    models: { m: externalModel(upstream.url) },
    architecture: [
      {
        name: 'chat',
        layer: 0,
        model: 'm',
        adapter: 'openai-api',
        'output-to': ['output'],
        hooks,
        ...extra
      },
      { name: 'output', adapter: 'output' }
    ],
    functions
  }
}

describe('transform hooks replace the data', () => {
  it('a pre hook rewrites what the model receives (catches transform results being ignored)', async () => {
    const hooks = await track(hookServer(() => ({ body: { content: 'rewritten question' } })))
    const s = await track(
      serve({
        p: oneZeroOne(
          { pre: [{ function: 'rewrite', mode: 'transform' }] },
          { rewrite: rest(hooks.url) }
        )
      })
    )
    await s.client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'original question' }]
    })
    expect(hooks.calls[0]?.body.input).toBe('original question')
    expect(messagesOf(upstream.requests[0]!).at(-1)?.content).toBe('rewritten question')
  })

  it('a post hook replaces the answer: a string as is, other JSON serialised (catches the documented rule drifting)', async () => {
    const replies = ['plain replacement', { result: 16 }]
    let i = 0
    const hooks = await track(hookServer(() => ({ body: replies[i++] })))
    const s = await track(
      serve({
        p: oneZeroOne({ post: [{ function: 'fix', mode: 'transform' }] }, { fix: rest(hooks.url) })
      })
    )
    const a = await s.client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'q' }]
    })
    expect(a.choices[0]?.message.content).toBe('plain replacement')
    const b = await s.client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'q' }]
    })
    expect(b.choices[0]?.message.content).toBe('{"result":16}')
    expect(hooks.calls[0]?.body.output).toBe('chat says: q')
  })

  it('a streamed answer with a transform post hook arrives transformed (catches streaming the untransformed text)', async () => {
    const hooks = await track(hookServer(() => ({ body: { content: 'TRANSFORMED' } })))
    const s = await track(
      serve({
        p: oneZeroOne({ post: [{ function: 'fix', mode: 'transform' }] }, { fix: rest(hooks.url) })
      })
    )
    const stream = await s.client.chat.completions.create({
      model: 'p',
      stream: true,
      messages: [{ role: 'user', content: 'q' }]
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('TRANSFORMED')
  })

  it("output nodes' post hooks work on the final answer (catches output hooks never running, as in the Rust llmnet)", async () => {
    const hooks = await track(hookServer(() => ({ body: 'signed answer' })))
    const comp = oneZeroOne({}, { sign: rest(hooks.url) })
    ;(comp.architecture as Json[])[1] = {
      name: 'output',
      adapter: 'output',
      hooks: { post: [{ function: 'sign', mode: 'transform' }] }
    }
    const s = await track(serve({ p: comp }))
    const a = await s.client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'q' }]
    })
    expect(a.choices[0]?.message.content).toBe('signed answer')
    expect(hooks.calls[0]?.body.output).toBe('chat says: q')
  })
})

describe('observe hooks, failures and conditions', () => {
  it('an observe hook does not delay the answer, and its outcome is in the trace (catches awaiting observe hooks)', async () => {
    const hooks = await track(hookServer(() => ({ body: {}, delayMs: 400 })))
    const s = await track(
      serve({
        p: oneZeroOne({ post: [{ function: 'log', mode: 'observe' }] }, { log: rest(hooks.url) })
      })
    )
    const traced = nextTrace(s)
    const started = Date.now()
    await s.client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'q' }]
    })
    expect(Date.now() - started).toBeLessThan(350)
    const trace = await traced
    const hop = trace.hops.find((h) => h.action === 'hook')
    expect(hop).toMatchObject({ function: 'log', mode: 'post observe' })
    expect(hop?.durationMs).toBeGreaterThanOrEqual(350)
    expect(hooks.calls[0]?.body.output).toBe('chat says: q')
  })

  it('on_failure continue keeps the data and records the error (catches a failing hook breaking the request)', async () => {
    const hooks = await track(hookServer(() => ({ status: 500, body: 'boom' })))
    const s = await track(
      serve({
        p: oneZeroOne(
          { post: [{ function: 'fix', mode: 'transform', on_failure: 'continue' }] },
          { fix: rest(hooks.url) }
        )
      })
    )
    const traced = nextTrace(s)
    const a = await s.client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'q' }]
    })
    expect(a.choices[0]?.message.content).toBe('chat says: q')
    expect((await traced).hops.find((h) => h.action === 'hook')?.error).toMatch(/HTTP 500/)
  })

  it('on_failure abort answers 422 hook_aborted naming the hook and the reason (catches HTTP 200 with the error as text)', async () => {
    const hooks = await track(hookServer(() => ({ status: 503, body: 'policy service down' })))
    const s = await track(
      serve({
        p: oneZeroOne(
          { pre: [{ function: 'guard', mode: 'transform', on_failure: 'abort' }] },
          { guard: rest(hooks.url) }
        )
      })
    )
    const err = await s.client.chat.completions
      .create({ model: 'p', messages: [{ role: 'user', content: 'q' }] })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 422, code: 'hook_aborted' })
    expect((err as Error).message).toMatch(/"guard".*"chat".*HTTP 503.*policy service down/)
    expect(upstream.requests).toHaveLength(0)
  })

  it('a hook `if` with a numeric comparison is really evaluated (catches the Rust llmnet running every numeric hook)', async () => {
    const hooks = await track(hookServer(() => ({ body: 'long answer edited' })))
    const s = await track(
      serve({
        p: oneZeroOne(
          { post: [{ function: 'fix', mode: 'transform', if: '$WORD_COUNT > 50' }] },
          { fix: rest(hooks.url) }
        )
      })
    )
    const a = await s.client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'short' }]
    })
    expect(a.choices[0]?.message.content).toBe('chat says: short')
    expect(hooks.calls).toHaveLength(0)
  })

  it("hooks see $NODE, $PREV_NODE (the node before, not the current one), an ISO $TIMESTAMP and $REQUEST_ID (catches the Rust llmnet's PREV_NODE bug)", async () => {
    const hooks = await track(hookServer(() => ({ body: {} })))
    const fn = {
      type: 'rest',
      method: 'POST',
      url: hooks.url,
      body: {
        node: '$NODE',
        prev: '$PREV_NODE',
        ts: '$TIMESTAMP',
        id: '$REQUEST_ID',
        words: '$WORD_COUNT'
      }
    }
    const s = await track(
      serve({
        p: {
          models: { m: externalModel(upstream.url) },
          architecture: [
            {
              name: 'router',
              layer: 0,
              model: 'm',
              adapter: 'openai-api',
              'output-to': ['expert']
            },
            {
              name: 'expert',
              layer: 1,
              model: 'm',
              adapter: 'openai-api',
              'output-to': ['output'],
              hooks: { pre: [{ function: 'log', mode: 'transform' }] }
            },
            { name: 'output', adapter: 'output' }
          ],
          functions: { log: fn }
        }
      })
    )
    await s.client.chat.completions.create(
      { model: 'p', messages: [{ role: 'user', content: 'three words here' }] },
      { headers: { 'x-request-id': 'req-123' } }
    )
    const body = hooks.calls[0]?.body
    expect(body).toMatchObject({ node: 'expert', prev: 'router', id: 'req-123', words: 3 })
    expect(body.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
  })
})

describe('router hooks', () => {
  it('pre hooks run before the router decides, and post hooks see the decision and may change it (catches router hooks never running)', async () => {
    const hooks = await track(
      hookServer((call) =>
        call.path === '/pre'
          ? { body: { content: 'routed text' } }
          : { body: call.body.output === 'a' ? 'b' : call.body.output }
      )
    )
    const s = await track(
      serve({
        p: {
          models: { m: externalModel(upstream.url) },
          architecture: [
            {
              name: 'router',
              layer: 0,
              model: 'm',
              adapter: 'openai-api',
              'output-to': [1],
              hooks: {
                pre: [{ function: 'pre', mode: 'transform' }],
                post: [{ function: 'post', mode: 'transform' }]
              }
            },
            {
              name: 'a',
              layer: 1,
              model: 'm',
              adapter: 'openai-api',
              'use-case': 'first',
              'output-to': ['output']
            },
            {
              name: 'b',
              layer: 1,
              model: 'm',
              adapter: 'openai-api',
              'use-case': 'second',
              'output-to': ['output']
            },
            { name: 'output', adapter: 'output' }
          ],
          functions: { pre: rest(`${hooks.url}/pre`), post: rest(`${hooks.url}/post`) }
        }
      })
    )
    const res = await s.client.chat.completions
      .create({ model: 'p', messages: [{ role: 'user', content: 'raw text' }] })
      .withResponse()
    // The router (fake upstream) picks the first option, "a"; the post hook turned it into "b".
    expect(messagesOf(upstream.requests[0]!).at(-1)?.content).toBe('routed text')
    expect(hooks.calls.find((c) => c.path === '/post')?.body.output).toBe('a')
    expect(res.response.headers.get('x-llmnet-route')).toBe('router>b>output')
    expect(res.data.choices[0]?.message.content).toBe('b says: routed text')
  })
})

describe('the ws adapter', () => {
  it("a request header listed in UseHeaderKeys triggers the ws tap, which gets the answer while the client gets it too (catches the Rust llmnet's unimplemented ws output)", async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await once(wss, 'listening')
    open.push({ close: () => new Promise<void>((r) => wss.close(() => r())) })
    const received: unknown[] = []
    const arrived = new Promise<void>((resolve) =>
      wss.on('connection', (ws) =>
        ws.on('message', (m) => {
          received.push(JSON.parse(String(m)))
          resolve()
        })
      )
    )
    const port = (wss.address() as AddressInfo).port
    const s = await track(
      serve({
        p: {
          models: { m: externalModel(upstream.url) },
          architecture: [
            {
              name: 'chat',
              layer: 0,
              model: 'm',
              adapter: 'openai-api',
              'output-to': ['output'],
              'extra-options': { UseHeaderKeys: ['OutputCustomKey'] }
            },
            { name: 'output', adapter: 'output' },
            { name: 'to-ws', adapter: 'ws', url: `ws://127.0.0.1:${port}`, if: '$OutputCustomKey' }
          ]
        }
      })
    )
    const quiet = nextTrace(s)
    const plain = await s.client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'no header' }]
    })
    expect(plain.choices[0]?.message.content).toBe('chat says: no header')
    expect((await quiet).hops.some((h) => h.action === 'tap')).toBe(false)

    const traced = nextTrace(s)
    const withHeader = await s.client.chat.completions.create(
      { model: 'p', messages: [{ role: 'user', content: 'with header' }] },
      { headers: { 'X-Output-Custom-Key': 'alerts' } }
    )
    expect(withHeader.choices[0]?.message.content).toBe('chat says: with header')
    const trace = await traced
    expect(trace.hops.find((h) => h.action === 'tap')).toMatchObject({ node: 'to-ws' })
    expect(trace.hops.find((h) => h.action === 'tap')?.error).toBeUndefined()
    await arrived
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({
      answer: 'chat says: with header',
      node: 'to-ws',
      variables: { OutputCustomKey: 'alerts' }
    })
  })
})

describe('secrets', () => {
  const SECRET = 'sk-live-0123456789abcdef'

  it('a pipeline whose env-file secret cannot be read does not load, and says which secret (catches secrets silently becoming "")', async () => {
    const tmp = tempDir()
    open.push({ close: async () => tmp.remove() })
    const runtime = createRuntime({ env: {} })
    const file = writeComposition(tmp.dir, 'p', {
      models: { m: externalModel(upstream.url, { 'api-key': '$secrets.keys.TOKEN' }) },
      secrets: { keys: { source: 'env-file', path: 'keys.env' } },
      architecture: [
        { name: 'chat', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'output', adapter: 'output' }
      ]
    })
    const failed = await runtime.pipelineService.loadFile(file)
    expect(failed.ok).toBe(false)
    expect(failed.diagnostics.find((d) => d.code === 'unresolved-secret')?.message).toMatch(
      /secret "keys" \(env-file\)/
    )
    expect(runtime.pipelines.get('p')).toBeUndefined()

    writeFileSync(join(tmp.dir, 'keys.env'), `export TOKEN="${SECRET}"\n`)
    const loaded = await runtime.pipelineService.loadFile(file)
    expect(loaded.ok).toBe(true)
    const listening = await runtime.listen(0)
    open.push({ close: () => runtime.stop() })
    await openaiClient(listening.url).chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'q' }]
    })
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`)
  })

  it('loads env-file and Vault secrets; the value is used in headers and redacted from error responses and traces', async () => {
    const vault = await track(
      startFakeVault({ token: 'vault-root-token', kv2: { 'app/audit': { TOKEN: SECRET } } })
    )
    const failing = await track(
      startFakeUpstream(() => ({ status: 500, error: `invalid key ${SECRET}` }))
    )
    const hooks = await track(hookServer(() => ({ body: {} })))
    const composition: Json = {
      models: { m: externalModel(failing.url, { 'api-key': '$secrets.vault.TOKEN' }) },
      secrets: {
        vault: {
          source: 'vault',
          address: vault.url,
          path: 'secret/data/app/audit',
          'token-env': 'MY_VAULT_TOKEN'
        }
      },
      architecture: [
        {
          name: 'chat',
          layer: 0,
          model: 'm',
          adapter: 'openai-api',
          'output-to': ['output'],
          hooks: { pre: [{ function: 'audit', mode: 'transform' }] }
        },
        { name: 'output', adapter: 'output' }
      ],
      functions: {
        audit: {
          type: 'rest',
          method: 'POST',
          url: hooks.url,
          headers: { authorization: 'Bearer $secrets.vault.TOKEN' },
          body: {}
        }
      }
    }
    const s = await track(
      serve({ p: composition }, { env: { MY_VAULT_TOKEN: 'vault-root-token' } })
    )
    const traced = nextTrace(s)
    const err = await s.client.chat.completions
      .create({ model: 'p', messages: [{ role: 'user', content: 'q' }] })
      .catch((e: unknown) => e)
    expect(hooks.calls[0]?.headers.authorization).toBe(`Bearer ${SECRET}`)
    expect(failing.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`)
    expect(err).toMatchObject({ status: 502 })
    expect(JSON.stringify((err as { error?: unknown }).error)).not.toContain(SECRET)
    expect((err as Error).message).toContain('[redacted]')
    const trace = await traced
    expect(JSON.stringify(trace)).not.toContain(SECRET)

    // dry-run prints secret names, never values
    let out = ''
    const code = await runCli(['run', '--dry-run', s.files.p!], {
      stdout: { write: (x: string) => (out += x) },
      stderr: { write: () => true },
      env: { MY_VAULT_TOKEN: 'vault-root-token' },
      cwd: s.dir
    })
    expect(code).toBe(0)
    expect(out).toContain('vault  from vault')
    expect(out).not.toContain(SECRET)
  })

  it('a secret echoed into the answer is redacted, also when a stream splits it across chunks (catches secrets leaking through API responses)', async () => {
    const tmp = tempDir()
    open.push({ close: async () => tmp.remove() })
    writeFileSync(join(tmp.dir, 'keys.env'), `TOKEN=${SECRET}\n`)
    const splitting = await track(
      startFakeUpstream(() => ({
        content: `the key is ${SECRET}!`,
        chunks: ['the key is sk-li', 've-0123456', '789abcdef!']
      }))
    )
    const runtime = createRuntime({ env: {} })
    const file = writeComposition(tmp.dir, 'p', {
      models: { m: externalModel(splitting.url, { 'api-key': '$secrets.keys.TOKEN' }) },
      secrets: { keys: { source: 'env-file', path: 'keys.env' } },
      architecture: [
        { name: 'chat', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'output', adapter: 'output' }
      ]
    })
    expect((await runtime.pipelineService.loadFile(file)).ok).toBe(true)
    const listening = await runtime.listen(0)
    open.push({ close: () => runtime.stop() })
    const client = openaiClient(listening.url)
    const plain = await client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'q' }]
    })
    expect(plain.choices[0]?.message.content).toBe('the key is [redacted]!')
    const stream = await client.chat.completions.create({
      model: 'p',
      stream: true,
      messages: [{ role: 'user', content: 'q' }]
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('the key is [redacted]!')
  })

  it('validate reports a secret it cannot resolve, at its line (catches "validate catches missing secrets" being untrue)', async () => {
    const tmp = tempDir()
    open.push({ close: async () => tmp.remove() })
    const file = join(tmp.dir, 'missing-secret.json')
    writeFileSync(
      file,
      JSON.stringify(
        {
          models: {
            m: { type: 'external', url: upstream.url, 'api-key': '$secrets.k.NOT_SET_ANYWHERE_42' }
          },
          secrets: { k: { source: 'env', variable: 'NOT_SET_ANYWHERE_42' } },
          architecture: [
            { name: 'chat', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
            { name: 'output', adapter: 'output' }
          ]
        },
        null,
        2
      )
    )
    const lines = readFileSync(file, 'utf8').split('\n')
    const line = lines.findIndex((l) => l.includes('"k": {')) + 1
    const column = (lines[line - 1]?.indexOf('"k"') ?? 0) + 1
    let out = ''
    const io = {
      stdout: { write: (x: string) => (out += x) },
      stderr: { write: () => true },
      env: {},
      cwd: tmp.dir
    }
    expect(await runCli(['validate', file], io)).toBe(1)
    expect(out, out).toMatch(
      new RegExp(
        `missing-secret\\.json:${line}:${column}: error: secret "k" \\(env\\) cannot be resolved: .*NOT_SET_ANYWHERE_42`
      )
    )
    expect(await runCli(['validate', '--no-secrets', file], io)).toBe(0)
  })
})

describe('llmnet functions test', () => {
  const io = (): { out: () => string; io: Parameters<typeof runCli>[1] } => {
    let out = ''
    return {
      out: () => out,
      io: {
        stdout: { write: (x: string) => (out += x) },
        stderr: { write: (x: string) => (out += x) },
        env: process.env,
        cwd: process.cwd()
      }
    }
  }

  it('runs one function with sample variables and prints the result and the time (catches the command ignoring --output)', async () => {
    const t = io()
    const code = await runCli(
      ['functions', 'test', 'examples/calculator.json', 'multiply', '--output', '{"a": 6, "b": 7}'],
      t.io
    )
    expect(code).toBe(0)
    expect(t.out()).toMatch(/function multiply \(shell\) ok in \d+ ms/)
    expect(t.out()).toContain('6 × 7 = 42')
  })

  it('prints the error and exits 3 when the function fails, and names unknown functions (catches silent failures)', async () => {
    const failing = io()
    expect(
      await runCli(
        ['functions', 'test', 'examples/calculator.json', 'multiply', '--output', 'no numbers'],
        failing.io
      )
    ).toBe(3)
    expect(failing.out()).toMatch(
      /failed in \d+ ms\nerror: function "multiply" \(shell\): exit code 2: the model did not give two numbers/
    )
    const unknown = io()
    expect(
      await runCli(['functions', 'test', 'examples/calculator.json', 'divide'], unknown.io)
    ).toBe(1)
    expect(unknown.out()).toContain(
      'no function "divide" in examples/calculator.json; it defines: multiply'
    )
  })
})
