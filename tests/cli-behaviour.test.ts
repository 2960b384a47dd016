/**
 * The CLI facing hostile files, closed pipes, folders and models not downloaded yet: the real
 * bin/llmnet.mjs as a child process, with a temp LLMNET_DATA_DIR (never the user's).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { killAll, llmnet, runServer } from './support/cli-process'
import { type FakeUpstream, startFakeUpstream } from './support/fake-openai'
import {
  externalModel,
  type Json,
  openaiClient,
  tempDir,
  writeComposition
} from './support/harness'

const DEPTH = 5000
const PULL = 'llmnet models pull qwen2.5-0.5b-instruct'

/** 1-based line:column of the first occurrence of `needle` moved `offset` on. */
function posOf(text: string, needle: string, offset = 0): string {
  const before = text.slice(0, text.indexOf(needle) + offset).split('\n')
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`
}

function proxy(url: string): Json {
  return {
    models: { m: externalModel(url, { name: 'proxy-model' }) },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  }
}

/** A llama.cpp pipeline whose model (a catalog entry) is not in the temp data dir. */
const LOCAL: Json = {
  models: {
    assistant: {
      runner: 'llama-cpp',
      source: 'hf://Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf'
    }
  },
  architecture: [
    {
      name: 'assistant',
      layer: 0,
      model: 'assistant',
      adapter: 'openai-api',
      'output-to': ['output']
    },
    { name: 'output', adapter: 'output' }
  ]
}

describe('llmnet CLI behaviour (child processes)', () => {
  const tmp = tempDir('llmnet-cli-behaviour-')
  const data = path.join(tmp.dir, 'data')
  let up: FakeUpstream
  beforeAll(async () => {
    up = await startFakeUpstream()
    mkdirSync(data)
  })
  afterAll(async () => {
    await up?.close()
    tmp.remove()
  })
  afterEach(killAll)

  it('validate reports deep JSON/JSONC/YAML and a YAML alias bomb at line:column and exits 1, with no stack trace (fails on a crash)', async () => {
    const head = '{"models": {}, "architecture": [], "x": '
    const json = `${head}${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`
    const jsonc = `// comment [[[\n${head}${'{"a": '.repeat(DEPTH)}1${'}'.repeat(DEPTH)}}`
    const yaml = `models: {}\narchitecture: []\nx: ${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`
    const bomb = [
      'models: {}',
      'architecture: []',
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...['ab', 'bc', 'cd', 'de', 'ef', 'fg', 'gh', 'hi'].map(
        ([p, n]) => `${n}: &${n} [${Array(9).fill(`*${p}`)}]`
      )
    ].join('\n')
    // [file, text, where the error is]: the 100th opener after `"x": ` is one level too deep;
    // the YAML parser gives up somewhere on line 3; the bomb's first alias is `*a` on line 4.
    const files: [string, string, string][] = [
      ['deep.json', json, posOf(json, '"x": ', 5 + 99)],
      ['deep.jsonc', jsonc, posOf(jsonc, '"x": ', 5 + 99 * '{"a": '.length)],
      ['deep.yaml', yaml, '3:'],
      ['bomb.yaml', bomb, posOf(bomb, '*a')]
    ]
    for (const [name, text] of files) writeFileSync(path.join(tmp.dir, name), text)
    const proc = llmnet(['validate', ...files.map(([name]) => path.join(tmp.dir, name))], {
      LLMNET_DATA_DIR: data
    })
    expect(await proc.exited).toBe(1)
    const out = proc.stdout()
    for (const [name, , at] of files) {
      expect(out).toContain(`${path.join(tmp.dir, name)}:${at}`)
      expect(out).toContain(`✗ ${path.join(tmp.dir, name)} is invalid`)
    }
    expect(out).toMatch(/deep\.json:\d+:\d+: error: nested deeper than 100 levels/)
    expect(out).toMatch(/bomb\.yaml:4:8: error: aliases expand too much/)
    expect(proc.stderr()).not.toContain('internal error')
    expect(`${out}${proc.stderr()}`).not.toMatch(/^\s+at /m)
  })

  it('validate into a closed pipe exits quietly with the code of the work (fails on EPIPE)', async () => {
    const good = writeComposition(tmp.dir, 'pipe-good', proxy(up.url))
    const bad = path.join(tmp.dir, 'pipe-bad.json')
    writeFileSync(bad, '{ "models": {}, "architecture": [ { "name": "x" ')
    for (const [files, code] of [
      [[good, good, good], 0],
      [[good, bad], 1]
    ] as const) {
      const proc = llmnet(['validate', ...files], { LLMNET_DATA_DIR: data })
      // The reader goes away before the child has written anything, as `| head -1` does.
      proc.child.stdout?.destroy()
      expect(await proc.exited).toBe(code)
      expect(proc.stderr()).not.toContain('EPIPE')
      expect(proc.stderr()).not.toContain('internal error')
    }
  })

  it('validate DIR checks the compositions in the folder and warns, at the model, that a llama.cpp model is not downloaded', async () => {
    const dir = path.join(tmp.dir, 'folder')
    mkdirSync(dir)
    writeComposition(dir, 'remote', proxy(up.url))
    const local = writeComposition(dir, 'local', LOCAL)
    writeFileSync(path.join(dir, 'notes.txt'), 'not a composition')
    const proc = llmnet(['validate', dir], { LLMNET_DATA_DIR: data })
    expect(await proc.exited).toBe(0)
    const out = proc.stdout()
    const text = JSON.stringify(LOCAL, null, 2)
    expect(out).toContain(
      `${local}:${posOf(text, '"assistant": {')}: warning: model "assistant" is not downloaded`
    )
    expect(out).toContain(`get it with: ${PULL}`)
    expect(out).toContain(`(${path.join(data, 'models')}`)
    expect(out).toContain('2 files: 2 valid, 0 invalid')

    const empty = path.join(tmp.dir, 'empty')
    mkdirSync(empty)
    const none = llmnet(['validate', empty], { LLMNET_DATA_DIR: data })
    expect(await none.exited).toBe(1)
    expect(none.stderr()).toContain(`no composition files found in ${empty}`)
  })

  it('run DIR serves what it can; a pipeline waiting for a model answers 503 model_not_ready with the pull command and is not ready in /status', async () => {
    const dir = path.join(tmp.dir, 'serve')
    mkdirSync(dir)
    writeComposition(dir, 'remote', proxy(up.url))
    writeComposition(dir, 'local', LOCAL)
    const { proc, url } = await runServer([dir], { LLMNET_DATA_DIR: data })
    expect(proc.stdout()).toContain('llmnet serving pipelines local, remote')

    const answer = await openaiClient(url).chat.completions.create({
      model: 'remote',
      messages: [{ role: 'user', content: 'hi' }]
    })
    expect(answer.choices[0]?.message.content).toBe('proxy-model says: hi')

    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local', messages: [{ role: 'user', content: 'hi' }] })
    })
    expect(res.status).toBe(503)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('model_not_ready')
    expect(body.error.message).toContain(PULL)

    const status = (await (await fetch(`${url}/status`)).json()) as {
      pipelines: { id: string; ready: boolean; problems: string[] }[]
    }
    expect(status.pipelines.find((p) => p.id === 'remote')).toMatchObject({
      ready: true,
      problems: []
    })
    const local = status.pipelines.find((p) => p.id === 'local')
    expect(local?.ready).toBe(false)
    expect(local?.problems).toEqual([expect.stringContaining(PULL)])
    expect(proc.stderr()).toContain(`local: model "assistant" is not downloaded`)

    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })
})
