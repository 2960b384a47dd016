/**
 * A node's `extra-options` sampler settings reach the model that answers for it, and validation
 * reports every option that would not: the tiny generated GGUF in a real llama.cpp worker, a real
 * HTTP server on port 0, and `llmnet validate --strict` as a child process. Catches
 * `extra-options.max_tokens: 96` on a llama.cpp node being ignored (the model generating until its
 * context is full) while `validate --strict` says nothing.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeTinyGguf } from '../src/main/core/local/tiny-gguf'
import { validateText } from '../src/shared/config/validate'
import { llmnet } from './support/cli-process'
import { serve, type Served, tempDir } from './support/harness'

const tmp = tempDir('llmnet-node-options-')
let gguf: string

beforeAll(async () => {
  gguf = (await writeTinyGguf(join(tmp.dir, 'tiny.gguf'), { seed: 7 })).path
})
afterAll(() => tmp.remove())

function composition(options: Record<string, unknown>, model: Record<string, unknown>) {
  return {
    models: { tiny: model },
    architecture: [
      {
        name: 'bot',
        layer: 0,
        model: 'tiny',
        adapter: 'openai-api',
        'extra-options': options,
        'output-to': ['output']
      },
      { name: 'output', adapter: 'output' }
    ]
  }
}

describe('extra-options on a llama.cpp node', () => {
  let s: Served
  beforeAll(async () => {
    s = await serve(
      {
        capped: composition(
          { max_tokens: 7, temperature: 0 },
          { runner: 'llama-cpp', source: gguf, parameters: { n_ctx: 512, threads: 1 } }
        )
      },
      { dataDir: tmp.dir, idleTtlMs: 60_000 }
    )
  })
  afterAll(async () => {
    await s?.close()
  })

  it('generation stops at the node’s max_tokens when the client sets none', async () => {
    const res = await s.client.chat.completions.create({
      model: 'capped',
      messages: [{ role: 'user', content: 'Tell me a long story about the sea.' }]
    })
    expect(res.usage?.completion_tokens).toBe(7)
    expect(res.choices[0]?.finish_reason).toBe('length')
  })

  it('the client’s own max_tokens wins over the node’s, streamed too', async () => {
    const res = await s.client.chat.completions.create({
      model: 'capped',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'Tell me a long story about the sea.' }]
    })
    expect(res.usage?.completion_tokens).toBe(3)
    const stream = await s.client.chat.completions.create({
      model: 'capped',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'And another one.' }]
    })
    let completion: number | undefined
    for await (const chunk of stream) completion = chunk.usage?.completion_tokens ?? completion
    expect(completion).toBe(7)
  })
})

describe('validation of extra-options', () => {
  const llama = { runner: 'llama-cpp', source: 'tiny.gguf' }

  it('warns, naming the option and the runner, about a setting llama.cpp cannot honour and an unknown key; --strict makes them errors', async () => {
    const text = JSON.stringify(
      composition({ max_tokens: 96, typical_p: 0.9, max_tokn: 5, model_override: 'x' }, llama),
      null,
      2
    )
    const loose = validateText(text, { format: 'json' })
    expect(loose.ok).toBe(true)
    const warnings = loose.diagnostics.filter((d) => d.severity === 'warning')
    expect(warnings.map((d) => [d.code, d.path.join('.')])).toEqual([
      ['option-not-honoured', 'architecture.0.extra-options.typical_p'],
      ['unknown-option', 'architecture.0.extra-options.max_tokn']
    ])
    expect(warnings[0]?.message).toMatch(/llama\.cpp, which cannot honour extra-options\.typical_p/)
    expect(warnings[1]?.message).toMatch(/extra-options\.max_tokn .* did you mean "max_tokens"\?/)
    expect(warnings[0]?.line).toBeGreaterThan(1)

    const file = join(tmp.dir, 'strict.json')
    writeFileSync(file, text)
    const strict = llmnet(['validate', '--strict', '--no-secrets', file])
    expect(await strict.exited).toBe(1)
    expect(strict.stdout()).toMatch(
      /strict\.json:\d+:\d+: error: node "bot": its model "tiny" runs on llama\.cpp, which cannot honour extra-options\.typical_p/
    )
    expect(strict.stdout()).toMatch(/error: .*extra-options\.max_tokn is not an option/)
  })

  it('a value of the wrong type is an error; an OpenAI-compatible endpoint takes every setting', () => {
    const bad = validateText(JSON.stringify(composition({ max_tokens: '96' }, llama)), {
      format: 'json'
    })
    expect(bad.ok).toBe(false)
    expect(bad.diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'bad-option',
        message: 'node "bot": extra-options.max_tokens must be a whole number of at least 1'
      })
    )
    const external = validateText(
      JSON.stringify(
        composition(
          { typical_p: 0.9, mirostat: 2 },
          { type: 'external', url: 'http://127.0.0.1:9/v1' }
        )
      ),
      { format: 'json' }
    )
    expect(external.diagnostics).toEqual([])
  })
})
