import { describe, expect, it } from 'vitest'
import { describeModel } from './models'
import { idleSeconds } from './idle-timeout'
import type { ModelDefinition } from './schema'
import { validateText } from './validate'

function posOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n')
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 }
}

function composition(model: string): string {
  return `{
  "models": {
    "m": ${model}
  },
  "architecture": [
    { "name": "bot", "layer": 0, "model": "m", "adapter": "openai-api", "output-to": ["output"] },
    { "name": "output", "adapter": "output" }
  ]
}`
}

function warnings(text: string): { code: string; message: string; line: number; column: number }[] {
  const result = validateText(text, { fileName: 'x.json' })
  expect(result.ok).toBe(true)
  return result.diagnostics.filter((d) => d.severity === 'warning')
}

describe('parameters a runner does not understand', () => {
  it('warns at the key with "did you mean" for llama.cpp (catches typos silently ignored)', () => {
    const text = composition(
      '{ "runner": "llama-cpp", "source": "/m.gguf", "parameters": { "n_ctxx": 2048, "threads": 2 } }'
    )
    expect(warnings(text)).toEqual([
      expect.objectContaining({
        code: 'unknown-parameter',
        message: 'model "m" (llama-cpp) ignores the parameter "n_ctxx": did you mean "n_ctx"?',
        ...posOf(text, text.indexOf('"n_ctxx"'))
      })
    ])
  })

  it('lists what Ollama understands when nothing is close', () => {
    const text = composition(
      '{ "runner": "ollama", "source": "qwen2.5:0.5b", "parameters": { "flavour": 1, "num_ctx": 2048 } }'
    )
    const [w, ...rest] = warnings(text)
    expect(rest).toEqual([])
    expect(w?.code).toBe('unknown-parameter')
    expect(w?.message).toMatch(/ignores the parameter "flavour"; it understands temperature, /)
  })

  it('keys the runtime honours pass silently: idle_timeout and keep_alive, and any vLLM flag', () => {
    for (const model of [
      '{ "runner": "llama-cpp", "source": "/m.gguf", "parameters": { "idle_timeout": 300, "keep_alive": "5m" } }',
      '{ "runner": "ollama", "source": "q", "parameters": { "keep_alive": -1, "temperature": 0.1 } }',
      '{ "runner": "vllm", "source": "org/m", "parameters": { "max_model_len": 4096 } }'
    ])
      expect(warnings(composition(model))).toEqual([])
  })

  it('an idle time that is not a duration is a warning at the value', () => {
    const text = composition(
      '{ "runner": "llama-cpp", "source": "/m.gguf", "parameters": { "idle_timeout": "soon" } }'
    )
    expect(warnings(text)).toEqual([
      expect.objectContaining({ code: 'bad-parameter', ...posOf(text, text.indexOf('"soon"')) })
    ])
  })
})

describe('idle timeouts', () => {
  it('reads seconds and Ollama durations; negative means never (0)', () => {
    expect(idleSeconds(90)).toBe(90)
    expect(idleSeconds('1h30m')).toBe(5400)
    expect(idleSeconds('250ms')).toBe(0.25)
    expect(idleSeconds('-1')).toBe(0)
    expect(idleSeconds('-5m')).toBe(0)
    expect(idleSeconds('soon')).toBeUndefined()
  })

  it('idle-timeout wins over parameters; keep_alive 0 unloads after each request', () => {
    const idle = (m: object): number | undefined =>
      describeModel({ runner: 'llama-cpp', source: 'x', ...m } as ModelDefinition).idleTimeoutMs
    expect(idle({ 'idle-timeout': 30, parameters: { idle_timeout: 5 } })).toBe(30_000)
    expect(idle({ parameters: { idle_timeout: 0 } })).toBe(0)
    expect(idle({ parameters: { keep_alive: 0 } })).toBe(1)
    expect(idle({ parameters: { keep_alive: '10m' } })).toBe(600_000)
    expect(idle({})).toBeUndefined()
  })
})
