/**
 * `llmnet run` as a real child process: JSON traces on stderr for tools, the idle-unload flag and
 * "model ready" printed once with the tiny generated GGUF, and the Ollama check at start.
 */
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { writeTinyGguf } from '../src/main/core/local/tiny-gguf'
import { TraceSchema } from '../src/shared/trace'
import { killAll, llmnet, runServer } from './support/cli-process'
import { type FakeUpstream, startFakeUpstream } from './support/fake-openai'
import { externalModel, type Json, tempDir, writeComposition } from './support/harness'

const OUTPUT = { name: 'output', adapter: 'output' }
const tmp = tempDir('llmnet-cli-lifecycle-')
let up: FakeUpstream

beforeAll(async () => {
  up = await startFakeUpstream()
})
afterAll(async () => {
  await up?.close()
  tmp.remove()
})
afterEach(killAll)

function single(model: Json): Json {
  return {
    models: { m: model },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      OUTPUT
    ]
  }
}

async function ask(url: string, model: string, content: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 2, messages: [{ role: 'user', content }] })
  })
  await res.text()
  return res.status
}

describe('llmnet run (child processes)', () => {
  it('--trace-format json prints one trace per line on stderr, each valid against the trace schema (catches traces tools cannot read)', async () => {
    const file = writeComposition(tmp.dir, 'traced', single(externalModel(up.url)))
    const { proc, url } = await runServer([file], {}, ['--trace-format', 'json'])
    expect(await ask(url, 'traced', 'one')).toBe(200)
    expect(await ask(url, 'traced', 'two')).toBe(200)
    await proc.waitFor('stderr', /(^\{.*\n[^]*){2}/m)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    const lines = proc
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
    expect(lines).toHaveLength(2)
    const traces = lines.map((l) => TraceSchema.parse(JSON.parse(l)))
    expect(traces.map((t) => [t.pipeline, t.status, t.route])).toEqual([
      ['traced', 'ok', ['bot', 'output']],
      ['traced', 'ok', ['bot', 'output']]
    ])
    // --trace alone stays the readable form.
    const text = await runServer([file], {}, ['--trace'])
    expect(await ask(text.url, 'traced', 'three')).toBe(200)
    await text.proc.waitFor('stderr', /trace \S+ traced ok/)
    expect(text.proc.stderr()).not.toMatch(/^\{/m)
  })

  it('an unknown --trace-format or a bad --idle-unload is a usage error (exit 2)', async () => {
    const file = writeComposition(tmp.dir, 'usage', single(externalModel(up.url)))
    for (const flags of [
      ['--trace-format', 'xml'],
      ['--idle-unload', 'soon']
    ]) {
      const proc = llmnet(['run', file, '--port', '0', ...flags])
      expect(await proc.exited).toBe(2)
      expect(proc.stderr()).toMatch(/--trace-format|--idle-unload/)
    }
  })

  it('a local model says "ready" once for several requests, and --idle-unload stops it when idle (catches a line per request and an ignored flag)', async () => {
    const gguf = (await writeTinyGguf(join(tmp.dir, 'tiny.gguf'), { seed: 3 })).path
    const file = writeComposition(
      tmp.dir,
      'local',
      single({ runner: 'llama-cpp', source: gguf, parameters: { n_ctx: 512, threads: 1 } })
    )
    const { proc, url } = await runServer([file], {}, ['--idle-unload', '2'])
    expect(await ask(url, 'local', 'one')).toBe(200)
    expect(await ask(url, 'local', 'two')).toBe(200)
    expect(await ask(url, 'local', 'three')).toBe(200)
    await proc.waitFor('stderr', /model m stopped/)
    expect(proc.stderr().match(/model m ready/g)).toHaveLength(1)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })

  it('warns at start, with the install link, when an Ollama model has no Ollama to run on (catches a silent 503 later)', async () => {
    const file = writeComposition(
      tmp.dir,
      'needs-ollama',
      single({ runner: 'ollama', source: 'qwen2.5:0.5b' })
    )
    const { proc } = await runServer([file], { OLLAMA_HOST: '127.0.0.1:1', PATH: tmp.dir })
    await proc.waitFor('stderr', /Ollama is not running/)
    expect(proc.stderr()).toContain(
      'Ollama is not running at http://127.0.0.1:1 and is not installed, but needs-ollama: model "m" run on it; install it from https://ollama.com/download'
    )
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })
})
