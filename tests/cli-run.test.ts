/**
 * `llmnet run` and `llmnet ask` as real child processes (node bin/llmnet.mjs), against fake
 * OpenAI upstreams, consumed with the official `openai` client.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { killAll, llmnet, runServer } from './support/cli-process'
import {
  defaultResponder,
  type FakeUpstream,
  type RecordedRequest,
  startFakeUpstream
} from './support/fake-openai'
import {
  externalModel,
  type Json,
  openaiClient,
  replaceFile,
  openStream,
  sseData,
  systemContent,
  tempDir,
  writeComposition
} from './support/harness'

const OUTPUT = { name: 'output', adapter: 'output' }

function proxy(url: string, context: string): Json {
  return {
    models: { m: externalModel(url, { name: 'proxy-model' }) },
    architecture: [
      {
        name: 'bot',
        layer: 0,
        model: 'm',
        adapter: 'openai-api',
        context,
        'output-to': ['output']
      },
      OUTPUT
    ]
  }
}

function router(url: string): Json {
  return {
    models: { m: externalModel(url) },
    architecture: [
      { name: 'router', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': [1] },
      {
        name: 'sales',
        layer: 1,
        model: 'm',
        adapter: 'openai-api',
        'use-case': 'Prices',
        'output-to': ['output']
      },
      {
        name: 'support',
        layer: 1,
        model: 'm',
        adapter: 'openai-api',
        'use-case': 'Bugs',
        'output-to': ['output']
      },
      OUTPUT
    ]
  }
}

describe('llmnet run / ask (child processes)', () => {
  let up: FakeUpstream
  const tmp = tempDir('llmnet-cli-run-')

  beforeAll(async () => {
    up = await startFakeUpstream()
  })
  afterAll(async () => {
    await up?.close()
    tmp.remove()
  })
  beforeEach(() => {
    up.requests.length = 0
    up.setResponder(defaultResponder)
  })
  afterEach(killAll)

  it('run FILE --port 0 prints the API URL, answers the openai client, and exits 0 on SIGTERM (fails if the server cannot be used or shut down cleanly)', async () => {
    const file = writeComposition(tmp.dir, 'single', proxy(up.url, 'You are terse.'))
    const { proc, url } = await runServer([file])
    const res = await openaiClient(url).chat.completions.create({
      model: 'single',
      messages: [{ role: 'user', content: 'ping' }]
    })
    expect(res.choices[0]?.message.content).toBe('proxy-model says: ping')
    expect(systemContent(up.requests[0] as RecordedRequest)).toBe('You are terse.')
    expect(proc.stdout()).toContain('llmnet serving pipeline single')
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    expect(proc.stderr()).toContain('SIGTERM, shutting down')
  })

  it('SIGTERM mid-stream drains: the stream ends with a shutdown error event and [DONE], a late request is refused or 503, exit 0, the trace says shutdown (fails if streams are cut or the exit is not clean)', async () => {
    // One word, then the upstream goes quiet: the stream is still open when SIGTERM comes.
    up.setResponder(() => ({ chunks: ['w0 ', 'w1 '], stallAfterChunks: 1 }))
    const file = writeComposition(tmp.dir, 'drain', proxy(up.url, 'x'))
    const { proc, url } = await runServer([file], {}, ['--shutdown-grace', '0.5', '--trace'])
    const stream = await openStream(url, 'drain', '"content":"w0 "')
    proc.child.kill('SIGTERM')
    await proc.waitFor('stderr', /SIGTERM, shutting down/)

    // During the drain a new request is refused (not listening) or answered 503 `shutdown`.
    const late = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'drain', messages: [{ role: 'user', content: 'late' }] })
    }).then(
      async (r) => ({
        status: r.status,
        code: ((await r.json()) as { error?: { code?: string } }).error?.code
      }),
      (e: Error) => ({ refused: (e.cause as { code?: string } | undefined)?.code })
    )
    expect([{ refused: 'ECONNREFUSED' }, { status: 503, code: 'shutdown' }]).toContainEqual(late)

    const events = sseData(await stream.rest())
    expect(events.at(-1)).toBe('[DONE]')
    expect(JSON.parse(events.at(-2) as string).error).toMatchObject({ code: 'shutdown' })
    expect(await proc.exited).toBe(0)
    expect(proc.stderr()).toMatch(/error shutdown/)
    expect(proc.stderr()).not.toMatch(/client_closed/)
  })

  it('run DIR serves every composition in the directory (fails if directories are not expanded)', async () => {
    const dir = tempDir('llmnet-cli-dir-')
    try {
      writeComposition(dir.dir, 'first', proxy(up.url, 'one'))
      writeComposition(dir.dir, 'second', router(up.url))
      writeFileSync(path.join(dir.dir, 'notes.txt'), 'not a composition')
      const { proc, url } = await runServer([dir.dir])
      const ids: string[] = []
      for await (const m of openaiClient(url).models.list()) ids.push(m.id)
      // Each pipeline, the default alias, and each model addressed directly (PIPELINE/MODEL).
      expect(ids).toEqual(['first', 'second', 'llmnet', 'first/m', 'second/m'])
      const res = await openaiClient(url).chat.completions.create({
        model: 'second',
        messages: [{ role: 'user', content: 'hi' }]
      })
      expect(res.choices[0]?.message.content).toBe('sales says: hi')
      proc.child.kill('SIGTERM')
      expect(await proc.exited).toBe(0)
    } finally {
      dir.remove()
    }
  })

  it('reloads an edited file, and keeps the previous pipeline when the edit is invalid (fails if edits are ignored or a bad edit takes the pipeline down)', async () => {
    const file = writeComposition(tmp.dir, 'live', proxy(up.url, 'Context A'))
    const { proc, url } = await runServer([file])
    const client = openaiClient(url)
    const ask = () =>
      client.chat.completions.create({ model: 'live', messages: [{ role: 'user', content: 'hi' }] })
    const lastSystem = () => systemContent(up.requests.at(-1) as RecordedRequest)

    await ask()
    expect(lastSystem()).toBe('Context A')

    replaceFile(file, JSON.stringify(proxy(up.url, 'Context B')))
    await proc.waitFor('stderr', /reloaded live from /)
    await ask()
    expect(lastSystem()).toBe('Context B')

    replaceFile(file, '{ "models": {}, "architecture": [ { "name": "bot" ')
    await proc.waitFor('stderr', /kept the previous live/)
    const res = await ask()
    expect(res.choices[0]?.message.content).toBe('proxy-model says: hi')
    expect(lastSystem()).toBe('Context B')

    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })

  it('a hostile file (deep JSON, then a YAML alias bomb) written over served files keeps the old pipelines serving and logs why (fails if a reload kills the server)', async () => {
    const file = writeComposition(tmp.dir, 'target', proxy(up.url, 'Still here'))
    const yamlFile = path.join(tmp.dir, 'target-yaml.yaml')
    writeFileSync(yamlFile, JSON.stringify(proxy(up.url, 'YAML here')))
    const { proc, url } = await runServer([file, yamlFile])
    const ask = (model: string) =>
      openaiClient(url).chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hi' }]
      })

    const depth = 5000
    replaceFile(file, `{"models": {}, "x": ${'['.repeat(depth)}${']'.repeat(depth)}}`)
    await proc.waitFor('stderr', /kept the previous target\b[^]*target\.json:1:\d+: nested deeper/)
    expect((await ask('target')).choices[0]?.message.content).toBe('proxy-model says: hi')
    expect(systemContent(up.requests.at(-1) as RecordedRequest)).toBe('Still here')

    const bomb = ['models: {}', 'a: &a [x, x, x, x, x, x, x, x, x]']
    for (const [prev, name] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg', 'gh', 'hi'])
      bomb.push(`${name}: &${name} [${Array(9).fill(`*${prev}`)}]`)
    replaceFile(yamlFile, bomb.join('\n'))
    await proc.waitFor('stderr', /kept the previous target-yaml[^]*aliases expand too much/)
    expect((await ask('target-yaml')).choices[0]?.message.content).toBe('proxy-model says: hi')
    expect(proc.stderr()).not.toContain('internal error')

    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })

  it('ask FILE prints the answer on stdout and the route on stderr; --trace adds the router raw answer (fails if the CLI answer or route is wrong)', async () => {
    const file = writeComposition(tmp.dir, 'ask-router', router(up.url))
    up.setResponder((req, i) =>
      req.body.response_format ? { content: '{"route":"support"}' } : defaultResponder(req, i)
    )

    const plain = llmnet(['ask', file, 'My app crashes'])
    expect(await plain.exited).toBe(0)
    expect(plain.stdout()).toBe('support says: My app crashes\n')
    expect(plain.stderr()).toContain('route: router > support > output')
    expect(plain.stderr()).not.toContain('router said')

    const traced = llmnet(['ask', file, 'My app crashes', '--trace'])
    expect(await traced.exited).toBe(0)
    expect(traced.stdout()).toBe('support says: My app crashes\n')
    expect(traced.stderr()).toContain('router said: "{\\"route\\":\\"support\\"}"')
    expect(traced.stderr()).toMatch(/route router > support > output/)
  })

  it('ask exits 3 with the error code on stderr when the upstream fails (fails if failures exit 0 or print nothing)', async () => {
    const file = writeComposition(tmp.dir, 'ask-broken', proxy(up.url, 'x'))
    up.setResponder(() => ({ status: 500, error: 'model crashed' }))
    const proc = llmnet(['ask', file, 'hello'])
    expect(await proc.exited).toBe(3)
    expect(proc.stderr()).toContain('upstream_error')
    expect(proc.stderr()).toContain('model crashed')
    expect(proc.stdout()).toBe('')
  })

  it('run on an invalid file exits 1 and never listens (fails if a broken pipeline is served)', async () => {
    const file = path.join(tmp.dir, 'broken.json')
    writeFileSync(
      file,
      JSON.stringify({
        models: {},
        architecture: [{ name: 'bot', layer: 0, adapter: 'telepathy' }]
      })
    )
    const proc = llmnet(['run', file, '--port', '0'])
    expect(await proc.exited).toBe(1)
    expect(proc.stdout()).not.toContain('OpenAI-compatible API')
    expect(proc.stderr()).toContain('is invalid; nothing was started')
  })
})
