import { describe, expect, it } from 'vitest'
import { readComposition, riskKey, riskyFunctions } from './composition'
import { toEditorDiagnostics } from './diagnostics'
import { onDemandModule } from './on-demand'
import { INPUT_NODE, layoutComposition } from './graph-layout'
import { buildSnippets, dockerUrl } from './snippets'
import { starterComposition } from './starter'
import { validateText } from '../../../shared/config/validate'

const ROUTING = `{
  "models": { "m": { "runner": "ollama", "source": "x" } },
  "architecture": [
    { "name": "gate", "layer": 0, "model": "m", "adapter": "openai-api", "output-to": [1], "default-route": "slow" },
    { "name": "fast", "layer": 1, "model": "m", "adapter": "openai-api", "if": "$WORD_COUNT <= 12", "output-to": ["output"] },
    { "name": "slow", "layer": 1, "model": "m", "adapter": "openai-api", "output-to": ["output"] },
    { "name": "output", "adapter": "output" }
  ]
}`

describe('graph layout', () => {
  const c = readComposition(ROUTING, 'json')!

  it('puts each layer in its own column, requests first and the output after the last layer', () => {
    const { nodes } = layoutComposition(c)
    const col = Object.fromEntries(nodes.map((n) => [n.id, n.column]))
    expect(col).toEqual({ [INPUT_NODE]: 0, gate: 1, fast: 2, slow: 2, output: 3 })
    const rows = nodes.filter((n) => n.column === 2).map((n) => n.row)
    expect(rows).toEqual([0, 1])
  })

  it('expands a layer target to every node of that layer and labels edges with the target if', () => {
    const { edges } = layoutComposition(c)
    const byId = Object.fromEntries(edges.map((e) => [e.id, e]))
    expect(byId['gate→fast']?.label).toBe('$WORD_COUNT <= 12')
    expect(byId['gate→slow']?.kind).toBe('output-to')
    expect(byId[`${INPUT_NODE}→gate`]?.kind).toBe('entry')
    // default-route duplicates gate→slow: one edge, the first kind wins.
    expect(edges.filter((e) => e.target === 'slow' && e.source === 'gate')).toHaveLength(1)
  })

  it('highlights exactly the nodes and steps of a route', () => {
    const { nodes, edges } = layoutComposition(c, ['gate', 'fast', 'output'])
    expect(nodes.filter((n) => n.onRoute).map((n) => n.id)).toEqual([
      INPUT_NODE,
      'gate',
      'fast',
      'output'
    ])
    expect(edges.filter((e) => e.onRoute).map((e) => e.id)).toEqual([
      `${INPUT_NODE}→gate`,
      'gate→fast',
      'fast→output'
    ])
  })

  it('ignores targets that name no node instead of drawing dangling edges', () => {
    const broken = readComposition(
      '{"models":{},"architecture":[{"name":"a","layer":0,"adapter":"x","output-to":["nope",7]}]}',
      'json'
    )!
    expect(layoutComposition(broken).edges.map((e) => e.id)).toEqual([`${INPUT_NODE}→a`])
  })

  it('reads YAML and gives null for text that is not an object', () => {
    expect(
      readComposition('architecture:\n  - name: a\n    layer: 0\n', 'yaml')?.architecture
    ).toHaveLength(1)
    expect(readComposition('[1, 2', 'json')).toBeNull()
    expect(readComposition('"text"', 'json')).toBeNull()
  })
})

describe('risky functions', () => {
  it('shows the exact command line of shell functions and the address and method of gRPC ones', () => {
    const c = readComposition(
      JSON.stringify({
        models: {},
        architecture: [],
        functions: {
          log: {
            type: 'shell',
            command: '/usr/bin/logger',
            args: ['-t', 'my tag', '$INPUT'],
            cwd: '/tmp'
          },
          rank: { type: 'grpc', address: 'localhost:50051', service: 'pkg.Ranker', method: 'Rank' },
          web: { type: 'rest', url: 'https://example.com' }
        }
      }),
      'json'
    )
    const risky = riskyFunctions(c)
    expect(risky.map((r) => [r.name, r.runs])).toEqual([
      ['log', '/usr/bin/logger -t "my tag" $INPUT'],
      ['rank', 'localhost:50051 pkg.Ranker/Rank']
    ])
    expect(risky[0]?.detail).toContain('in /tmp')
  })

  it('changes its key when what runs changes, so an old confirmation does not cover new commands', () => {
    const make = (cmd: string) =>
      riskyFunctions(
        readComposition(
          JSON.stringify({ functions: { f: { type: 'shell', command: cmd } } }),
          'json'
        )
      )
    expect(riskKey(make('/bin/echo'))).toBe(riskKey(make('/bin/echo')))
    expect(riskKey(make('/bin/echo'))).not.toBe(riskKey(make('/bin/rm')))
  })
})

describe('diagnostics mapping', () => {
  it('marks the token at the diagnostic line and column', () => {
    const text = '{\n  "a": 1,\n  "adapter": "bogus"\n}'
    const [d] = toEditorDiagnostics(text, [
      { severity: 'error', code: 'x', message: 'bad', line: 3, column: 14 }
    ])
    expect(text.slice(d!.from, d!.to)).toBe('"bogus"')
    expect(d!.message).toBe('3:14 bad')
  })

  it('maps the real validator output to the line it names', () => {
    const text =
      '{\n  "models": {},\n  "architecture": [\n    { "name": "a", "layer": 0, "adapter": "nope" }\n  ]\n}'
    const result = validateText(text, { format: 'json' })
    const marks = toEditorDiagnostics(text, result.diagnostics)
    const lineOf = (offset: number) => text.slice(0, offset).split('\n').length
    expect(result.diagnostics.some((d) => d.line === 4)).toBe(true)
    expect(marks.map((m) => lineOf(m.from))).toContain(4)
  })

  it('clamps positions past the end of text that changed since validation', () => {
    const [d] = toEditorDiagnostics('ab', [
      { severity: 'warning', code: 'x', message: 'm', line: 40, column: 90 }
    ])
    expect(d!.from).toBeLessThanOrEqual(2)
    expect(d!.to).toBeLessThanOrEqual(2)
  })
})

describe('client snippets', () => {
  const snippets = buildSnippets({
    url: 'http://127.0.0.1:8080/',
    model: 'support',
    apiKey: 'sk-1'
  })
  const code = (id: string) => snippets.find((s) => s.id === id)!.code

  it('builds one snippet per client from the live endpoint and pipeline', () => {
    expect(snippets.map((s) => s.id)).toEqual([
      'curl',
      'python',
      'node',
      'open-webui',
      'continue',
      'docker'
    ])
    expect(code('curl')).toContain('http://127.0.0.1:8080/v1/chat/completions')
    expect(code('curl')).toContain('Authorization: Bearer sk-1')
    expect(code('python')).toContain('base_url="http://127.0.0.1:8080/v1"')
    expect(code('node')).toContain("model: 'support'")
    expect(code('continue')).toContain('apiBase: http://127.0.0.1:8080/v1')
  })

  it('points containers at host.docker.internal', () => {
    expect(code('docker')).toContain('http://host.docker.internal:8080/v1/chat/completions')
    expect(dockerUrl('http://localhost:9000')).toBe('http://host.docker.internal:9000')
    expect(dockerUrl('http://192.168.1.5:9000')).toBe('http://192.168.1.5:9000')
  })

  it('sends a JSON body curl can parse', () => {
    const body = /-d '(.*)'/.exec(code('curl'))![1]!
    expect(JSON.parse(body)).toEqual({
      model: 'support',
      messages: [{ role: 'user', content: 'Hello!' }]
    })
  })
})

describe('starter composition', () => {
  it('is a valid one-node pipeline for both runners', () => {
    for (const runner of ['llama-cpp', 'ollama'] as const) {
      const result = validateText(starterComposition(runner, 'hf://a/b/c.gguf'), { format: 'json' })
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    }
  })
})

describe('onDemandModule', () => {
  it('is undefined until loaded, loads once for every caller, then answers synchronously', async () => {
    let loads = 0
    const mod = onDemandModule(async () => {
      loads++
      return { answer: 42 }
    })
    expect(mod.get()).toBeUndefined()
    const [a, b] = await Promise.all([mod.load(), mod.load()])
    expect(a).toBe(b)
    expect(loads).toBe(1)
    expect(mod.get()?.answer).toBe(42)
    await mod.load()
    expect(loads).toBe(1)
  })
})
