/**
 * Tests of validateText: syntax, schema and semantic diagnostics, each with the exact
 * `line:column` the CLI and the editor show. Expected positions are computed from the test text
 * itself (see `pos`), independently of the validator's locator.
 */
// Tests read fixture files from disk; the module under test stays pure.
// eslint-disable-next-line no-restricted-imports
import { existsSync, readdirSync, readFileSync } from 'node:fs'
// eslint-disable-next-line no-restricted-imports
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Diagnostic } from './diagnostics'
import { validateText, type ValidationResult } from './validate'

// ── helpers ───────────────────────────────────────────────────────────────────────────────────

interface Position {
  line: number
  column: number
}

/**
 * 1-based position of the `occurrence`-th `needle` in `text`, moved `offset` characters on.
 * Throws when the needle is missing, so a typo in a test cannot pass silently.
 */
function pos(
  text: string,
  needle: string,
  opts: { occurrence?: number; offset?: number } = {}
): Position {
  let idx = -1
  for (let k = 0; k < (opts.occurrence ?? 1); k++) {
    idx = text.indexOf(needle, idx + 1)
    if (idx < 0)
      throw new Error(`test bug: ${JSON.stringify(needle)} not found (occurrence ${k + 1})`)
  }
  idx += opts.offset ?? 0
  const before = text.slice(0, idx)
  return { line: before.split('\n').length, column: idx - before.lastIndexOf('\n') }
}

/** Position of the value that follows `prefix` (e.g. `"model": ` → the value's opening quote). */
function valuePos(text: string, prefix: string, occurrence = 1): Position {
  return pos(text, prefix, { occurrence, offset: prefix.length })
}

function withCode(result: ValidationResult, code: string): Diagnostic[] {
  return result.diagnostics.filter((d) => d.code === code)
}

/** The one diagnostic with `code`; fails the test when there are none or several. */
function single(result: ValidationResult, code: string): Diagnostic {
  const found = withCode(result, code)
  expect(
    found,
    `expected exactly one "${code}" in ${JSON.stringify(result.diagnostics, null, 2)}`
  ).toHaveLength(1)
  const [d] = found
  if (!d) throw new Error('unreachable')
  return d
}

function at(d: Diagnostic): Position & { severity: string } {
  return { line: d.line, column: d.column, severity: d.severity }
}

function codes(result: ValidationResult): string[] {
  return result.diagnostics.map((d) => d.code)
}

const MODELS =
  '"m": { "type": "external", "interface": "openai-api", "url": "http://localhost:8000" }'
const ROUTER =
  '{ "name": "router", "layer": 0, "model": "m", "adapter": "openai-api", "output-to": [1] }'
const NODE_A =
  '{ "name": "a", "layer": 1, "model": "m", "adapter": "openai-api", "use-case": "A", "output-to": ["output"] }'
const NODE_B =
  '{ "name": "b", "layer": 1, "model": "m", "adapter": "openai-api", "use-case": "B", "output-to": ["output"] }'
const OUTPUT = '{ "name": "output", "adapter": "output" }'

interface Parts {
  models?: string
  nodes?: string[]
  functions?: string
  secrets?: string
}

/** A composition with one node per line (line 1 `{`, models on line 2, nodes from line 5 or later). */
function compose(parts: Parts = {}): string {
  const lines = ['{', `  "models": { ${parts.models ?? MODELS} },`]
  if (parts.functions !== undefined) lines.push(`  "functions": { ${parts.functions} },`)
  if (parts.secrets !== undefined) lines.push(`  "secrets": { ${parts.secrets} },`)
  lines.push('  "architecture": [')
  lines.push((parts.nodes ?? [ROUTER, NODE_A, NODE_B, OUTPUT]).map((n) => `    ${n}`).join(',\n'))
  lines.push('  ]', '}')
  return lines.join('\n')
}

// ── fixtures ──────────────────────────────────────────────────────────────────────────────────

const UPSTREAM_DIR = path.resolve(__dirname, '../../../../shared/upstream-examples')
const upstreamFiles = existsSync(UPSTREAM_DIR)
  ? readdirSync(UPSTREAM_DIR)
      .filter((f) => /\.(jsonc?|ya?ml)$/i.test(f))
      .sort()
  : []

const EXAMPLES_DIR = path.resolve(__dirname, '../../../examples')
const exampleFiles = existsSync(EXAMPLES_DIR)
  ? readdirSync(EXAMPLES_DIR)
      .filter((f) => /\.(jsonc?|ya?ml)$/i.test(f))
      .sort()
  : []

function validateFile(dir: string, file: string): ValidationResult {
  return validateText(readFileSync(path.join(dir, file), 'utf8'), { fileName: file })
}

// ── tests ─────────────────────────────────────────────────────────────────────────────────────

describe('the Rust llmnet examples (shared/upstream-examples) stay valid (catches breaking compatibility)', () => {
  if (upstreamFiles.length === 0) {
    it.skip(`skipped: ${UPSTREAM_DIR} does not exist or holds no compositions`, () => {})
    return
  }

  it.each(upstreamFiles)('%s is ok (warnings allowed)', (file) => {
    const result = validateFile(UPSTREAM_DIR, file)
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    expect(result.ok).toBe(true)
    expect(result.composition).toBeDefined()
  })

  it.skipIf(!upstreamFiles.includes('nemotron-router.json'))(
    'nemotron-router.json warns that its reachable layer-1/2 nodes have no model (catches a silent runtime failure)',
    () => {
      const result = validateFile(UPSTREAM_DIR, 'nemotron-router.json')
      const warned = withCode(result, 'node-without-model')
      expect(warned.length).toBeGreaterThan(0)
      expect(warned.every((d) => d.severity === 'warning')).toBe(true)
      expect(warned.map((d) => d.message).join('\n')).toContain('company-2024-q3-fine-tune')
      // $OutputCustomKey is listed in UseHeaderKeys, so it is no unknown variable.
      expect(withCode(result, 'unknown-variable')).toEqual([])
    }
  )
})

describe.skipIf(exampleFiles.length === 0)(
  'the project examples (examples/) are valid with no warning (catches a shipped example that, for instance, passes model output to a program where it can act as an option)',
  () => {
    // The fallback keeps the table non-empty while the folder is; the describe is skipped then.
    it.each(exampleFiles.length > 0 ? exampleFiles : ['(no example files yet)'])('%s', (file) => {
      const result = validateFile(EXAMPLES_DIR, file)
      expect(result.diagnostics).toEqual([])
      expect(result.ok).toBe(true)
    })
  }
)

describe('formats', () => {
  it('the base composition of these tests is valid with no diagnostics (guards every test below)', () => {
    const result = validateText(compose())
    expect(result.diagnostics).toEqual([])
    expect(result.ok).toBe(true)
    expect(result.composition?.architecture.map((n) => n.name)).toEqual([
      'router',
      'a',
      'b',
      'output'
    ])
  })

  it('accepts JSON with // and /* */ comments and trailing commas (catches a plain JSON.parse)', () => {
    const text = `// a pipeline
{
  /* models */
  "models": {
    "m": { "type": "external", "url": "http://localhost:8000", }, // trailing comma
  },
  "architecture": [
    { "name": "chat", "layer": 0, "model": "m", "adapter": "openai-api", "output-to": ["output",], },
    { "name": "output", "adapter": "output" }, // trailing comma after the last node
  ],
}
`
    const result = validateText(text, { fileName: 'chat.jsonc' })
    expect(result.diagnostics).toEqual([])
    expect(result.ok).toBe(true)
    expect(result.composition?.architecture[0]?.['output-to']).toEqual(['output'])
  })

  it('accepts a YAML composition (.yaml)', () => {
    const text = `models:
  m:
    type: external
    url: http://localhost:8000
architecture:
  - name: chat
    layer: 0
    model: m
    adapter: openai-api
    if: $WORD_COUNT > 0
    output-to: [output]
  - name: output
    adapter: output
`
    const result = validateText(text, { fileName: 'chat.yaml' })
    expect(result.diagnostics).toEqual([])
    expect(result.ok).toBe(true)
    expect(result.composition?.architecture[0]?.if).toBe('$WORD_COUNT > 0')
  })

  it('locates YAML diagnostics on the right line and column (catches JSON offsets applied to YAML)', () => {
    const text = `models:
  m: { type: external, url: "http://localhost:8000" }
architecture:
  - name: chat
    model: mm
    adapter: openai-api
    if: $WORD_COUNT > > 3
    output-to: [output]
  - name: output
    adapter: output
`
    const result = validateText(text, { fileName: 'bad.yml' })
    expect(result.ok).toBe(false)
    expect(at(single(result, 'undefined-model'))).toEqual({
      line: 5,
      column: 12,
      severity: 'error'
    })
    // A plain scalar has no quote: the column is the scalar's start + (condition column - 1).
    const ifStart = valuePos(text, 'if: ')
    expect(at(single(result, 'condition-syntax'))).toEqual({
      line: 7,
      column: ifStart.column + 14,
      severity: 'error'
    })
    expect(ifStart).toEqual({ line: 7, column: 9 })
  })

  it('locates an unknown key in YAML at the key', () => {
    const text = `models: {}
architecture:
  - name: chat
    adapter: openai-api
    output_to: [output]
  - name: output
    adapter: output
`
    const d = single(validateText(text, { fileName: 'x.yaml' }), 'unknown-key')
    expect(at(d)).toEqual({ line: 5, column: 5, severity: 'warning' })
    expect(d.message).toContain('did you mean "output-to"')
  })

  it('picks YAML from the file name only for .yaml/.yml (catches YAML parsing of JSON files)', () => {
    const yaml = 'models: {}\narchitecture: []\n'
    const asJson = codes(validateText(yaml, { fileName: 'x.json' }))
    expect(asJson.length).toBeGreaterThan(0)
    expect(new Set(asJson)).toEqual(new Set(['syntax']))
    expect(codes(validateText(yaml, { fileName: 'x.YML' }))).not.toContain('syntax')
    expect(codes(validateText(yaml, { format: 'yaml' }))).not.toContain('syntax')
  })
})

describe('syntax errors', () => {
  it('a missing comma in JSON is reported at its line:column', () => {
    const text = '{\n  "models": {}\n  "architecture": []\n}\n'
    const result = validateText(text)
    expect(result.ok).toBe(false)
    expect(result.composition).toBeUndefined()
    expect(result.diagnostics).toHaveLength(1)
    expect(result.diagnostics[0]).toMatchObject({
      severity: 'error',
      code: 'syntax',
      line: 3,
      column: 3
    })
    expect(result.diagnostics[0]?.message).toMatch(/comma/)
  })

  it('an unterminated string is reported at its line', () => {
    const text = '{\n  "models": {},\n  "architecture": [\n    { "name": "chat }\n  ]\n}\n'
    const result = validateText(text)
    expect(result.ok).toBe(false)
    expect(result.diagnostics[0]).toMatchObject({ code: 'syntax', line: 4 })
  })

  it('a YAML syntax error is reported at its line:column', () => {
    const text = 'models: {}\narchitecture:\n  - name: a\n    adapter: [\n'
    const result = validateText(text, { fileName: 'x.yaml' })
    expect(result.ok).toBe(false)
    expect(result.diagnostics[0]).toMatchObject({ code: 'syntax', line: 5, column: 1 })
  })

  it('an empty file is a syntax error at 1:1', () => {
    expect(validateText('').diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'syntax', line: 1, column: 1 })
    ])
  })
})

describe('unknown keys', () => {
  it('output_to is a warning with "did you mean" at the key (catches the Rust llmnet silently ignoring it)', () => {
    const node =
      '{ "name": "a", "layer": 1, "model": "m", "adapter": "openai-api", "use-case": "A", "output_to": ["output"] }'
    const text = compose({ nodes: [ROUTER, node, NODE_B, OUTPUT] })
    const result = validateText(text)
    const d = single(result, 'unknown-key')
    expect(at(d)).toEqual({ ...pos(text, '"output_to"'), severity: 'warning' })
    expect(d.message).toContain('did you mean "output-to"')
    expect(d.path).toEqual(['architecture', 1, 'output_to'])
    // The misspelt key is dropped, so the node really has no output-to.
    expect(at(single(result, 'missing-output-to'))).toEqual({
      ...pos(text, node),
      severity: 'error'
    })
  })

  it('a harmless unknown key keeps the composition ok; under strict it is an error', () => {
    const node = NODE_A.replace('"use-case"', '"use_case"')
    const text = compose({ nodes: [ROUTER, node, NODE_B, OUTPUT] })

    const lenient = validateText(text)
    expect(lenient.ok).toBe(true)
    expect(lenient.composition?.architecture[1]?.['use-case']).toBeUndefined()
    const warning = single(lenient, 'unknown-key')
    expect(at(warning)).toEqual({ ...pos(text, '"use_case"'), severity: 'warning' })
    expect(warning.message).toContain('did you mean "use-case"')

    const strict = validateText(text, { strict: true })
    expect(strict.ok).toBe(false)
    expect(at(single(strict, 'unknown-key'))).toEqual({
      ...pos(text, '"use_case"'),
      severity: 'error'
    })
  })

  it('unknown top-level and model keys are found too', () => {
    const text = compose({
      models: '"m": { "type": "external", "url": "http://x", "api_key": "k" }'
    }).replace('{\n', '{\n  "descripton": "typo",\n')
    const result = validateText(text)
    const found = withCode(result, 'unknown-key')
    expect(found.map((d) => d.message)).toEqual([
      expect.stringContaining('did you mean "description"'),
      expect.stringContaining('did you mean "api-key"')
    ])
    expect(found.map((d) => ({ line: d.line, column: d.column }))).toEqual([
      pos(text, '"descripton"'),
      pos(text, '"api_key"')
    ])
  })
})

describe('errors, each at its exact line:column', () => {
  it('duplicate-node at the second name', () => {
    const dup =
      '{ "name": "a", "layer": 1, "model": "m", "adapter": "openai-api", "use-case": "dup", "output-to": ["output"] }'
    const text = compose({ nodes: [ROUTER, NODE_A, dup, OUTPUT] })
    const d = single(validateText(text), 'duplicate-node')
    expect(at(d)).toEqual({ ...valuePos(text, '"name": ', 3), severity: 'error' })
    // Literal check of the helper: the third node is on line 6, its name value at column 15.
    expect(at(d)).toEqual({ line: 6, column: 15, severity: 'error' })
    expect(d.message).toContain('"a"')
  })

  it('undefined-model at the model value, with did-you-mean', () => {
    const text = compose({
      nodes: [ROUTER, NODE_A.replace('"model": "m"', '"model": "mm"'), NODE_B, OUTPUT]
    })
    const d = single(validateText(text), 'undefined-model')
    expect(at(d)).toEqual({ ...pos(text, '"mm"'), severity: 'error' })
    expect(d.message).toContain('model "mm" referenced by node "a" is not defined')
    expect(d.message).toContain('did you mean "m"')
  })

  it('undefined-target at the output-to entry, with did-you-mean', () => {
    const text = compose({
      nodes: [ROUTER, NODE_A.replace('["output"]', '["output", "ouput"]'), NODE_B, OUTPUT]
    })
    const d = single(validateText(text), 'undefined-target')
    expect(at(d)).toEqual({ ...pos(text, '"ouput"'), severity: 'error' })
    expect(d.path).toEqual(['architecture', 1, 'output-to', 1])
    expect(d.message).toContain('node "ouput" referenced in output-to of "a" is not defined')
    expect(d.message).toContain('did you mean "output"')
  })

  it('undefined-target for a default-route that is not a node', () => {
    const router = ROUTER.replace(
      '"output-to": [1]',
      '"output-to": [1], "default-route": "nowhere"'
    )
    const text = compose({ nodes: [router, NODE_A, NODE_B, OUTPUT] })
    expect(at(single(validateText(text), 'undefined-target'))).toEqual({
      ...pos(text, '"nowhere"'),
      severity: 'error'
    })
  })

  it('no-entry at the architecture array when no LLM node is at layer 0', () => {
    const text = compose({ nodes: [NODE_A, OUTPUT] })
    const result = validateText(text)
    expect(at(single(result, 'no-entry'))).toEqual({
      ...valuePos(text, '"architecture": '),
      severity: 'error'
    })
    expect(result.ok).toBe(false)
  })

  it('multiple-entries at the extra entry\'s "layer"', () => {
    const second =
      '{ "name": "router2", "layer": 0, "model": "m", "adapter": "openai-api", "output-to": ["output"] }'
    const text = compose({ nodes: [ROUTER, NODE_A, NODE_B, second, OUTPUT] })
    const d = single(validateText(text), 'multiple-entries')
    expect(at(d)).toEqual({ ...valuePos(text, '"layer": ', 4), severity: 'error' })
    expect(d.message).toContain('router, router2')
  })

  it('multiple-entries at the node itself when it has no "layer" (catches "no layer" not meaning layer 0)', () => {
    const second =
      '{ "name": "router2", "model": "m", "adapter": "openai-api", "output-to": ["output"] }'
    const text = compose({ nodes: [ROUTER, NODE_A, NODE_B, second, OUTPUT] })
    const d = single(validateText(text), 'multiple-entries')
    expect(at(d)).toEqual({ ...pos(text, second), severity: 'error' })
    expect(d.message).toContain('a node without "layer" is at layer 0')
  })

  it('no-output at the architecture array', () => {
    const text = compose({
      nodes: [ROUTER.replace('[1]', '["a"]'), NODE_A.replace('["output"]', '["a"]')]
    })
    const result = validateText(text)
    expect(at(single(result, 'no-output'))).toEqual({
      ...valuePos(text, '"architecture": '),
      severity: 'error'
    })
  })

  it("undefined-function at the hook's function, with did-you-mean", () => {
    const node = NODE_A.replace(
      '"use-case": "A"',
      '"use-case": "A", "hooks": { "pre": [{ "function": "notfy" }] }'
    )
    const text = compose({
      functions: '"notify": { "type": "rest", "url": "http://localhost:9000/hook" }',
      nodes: [ROUTER, node, NODE_B, OUTPUT]
    })
    const d = single(validateText(text), 'undefined-function')
    expect(at(d)).toEqual({ ...pos(text, '"notfy"'), severity: 'error' })
    expect(d.path).toEqual(['architecture', 1, 'hooks', 'pre', 0, 'function'])
    expect(d.message).toContain('did you mean "notify"')
  })

  it('empty-layer-target at the layer number', () => {
    const text = compose({ nodes: [ROUTER.replace('[1]', '[1, 5]'), NODE_A, NODE_B, OUTPUT] })
    const d = single(validateText(text), 'empty-layer-target')
    expect(at(d)).toEqual({ ...pos(text, '[1, 5]', { offset: 4 }), severity: 'error' })
    expect(d.message).toContain('layer 5')
  })

  it('missing-output-to at a reachable LLM node without output-to', () => {
    const node =
      '{ "name": "a", "layer": 1, "model": "m", "adapter": "openai-api", "use-case": "A" }'
    const text = compose({ nodes: [ROUTER, node, NODE_B, OUTPUT] })
    expect(at(single(validateText(text), 'missing-output-to'))).toEqual({
      ...pos(text, node),
      severity: 'error'
    })
  })

  it('unknown-adapter at the adapter value, with did-you-mean', () => {
    const text = compose({
      nodes: [ROUTER, NODE_A.replace('"openai-api"', '"openai-apii"'), NODE_B, OUTPUT]
    })
    const d = single(validateText(text), 'unknown-adapter')
    expect(at(d)).toEqual({ ...pos(text, '"openai-apii"'), severity: 'error' })
    expect(d.message).toContain('did you mean "openai-api"')
  })

  it('condition-syntax at the column inside the string (quote column + 1 + condition column - 1)', () => {
    const cond = '$WORD_COUNT > > 3'
    const text = compose({
      nodes: [
        ROUTER,
        NODE_A.replace('"use-case": "A"', `"use-case": "A", "if": "${cond}"`),
        NODE_B,
        OUTPUT
      ]
    })
    const d = single(validateText(text), 'condition-syntax')
    const quote = pos(text, `"${cond}"`)
    expect(at(d)).toEqual({
      line: quote.line,
      column: quote.column + 1 + (15 - 1),
      severity: 'error'
    })
    // …which is exactly the second ">".
    expect(at(d)).toEqual({ ...pos(text, '> 3'), severity: 'error' })
    expect(d.message).toContain('at column 15')
  })

  it('condition-syntax counts an escaped \\" inside the JSON string as one character (catches columns shifted by escapes)', () => {
    const text = compose({
      nodes: [
        ROUTER,
        NODE_A.replace(
          '"use-case": "A"',
          '"use-case": "A", "if": "$PREV_NODE == \\"router\\" && $X = 1"'
        ),
        NODE_B,
        OUTPUT
      ]
    })
    const d = single(validateText(text), 'condition-syntax')
    expect(d.message).toContain('at column 30')
    expect(at(d)).toEqual({ ...pos(text, '= 1'), severity: 'error' })
  })

  it('condition-syntax in a hook condition', () => {
    const node = NODE_A.replace(
      '"use-case": "A"',
      '"use-case": "A", "hooks": { "post": [{ "function": "notify", "if": "$OUTPUT = x" }] }'
    )
    const text = compose({
      functions: '"notify": { "type": "rest", "url": "http://x" }',
      nodes: [ROUTER, node, NODE_B, OUTPUT]
    })
    const d = single(validateText(text), 'condition-syntax')
    expect(at(d)).toEqual({ ...pos(text, '= x'), severity: 'error' })
    expect(d.path).toEqual(['architecture', 1, 'hooks', 'post', 0, 'if'])
  })

  it('undefined-secret when the secret source is missing, at the reference inside the string', () => {
    const text = compose({
      models:
        '"m": { "type": "external", "url": "http://localhost:8000", "api-key": "Bearer $secrets.openrouter.KEY" }'
    })
    const d = single(validateText(text), 'undefined-secret')
    expect(at(d)).toEqual({ ...pos(text, '$secrets.openrouter.KEY'), severity: 'error' })
    expect(d.message).toContain('secret source "openrouter", which is not defined')
  })

  it('undefined-secret when an env source provides a different variable', () => {
    const text = compose({
      models:
        '"m": { "type": "external", "url": "http://localhost:8000", "api-key": "${secrets.openrouter.OTHER}" }',
      secrets: '"openrouter": { "source": "env", "variable": "OPENROUTER_KEY" }'
    })
    const d = single(validateText(text), 'undefined-secret')
    expect(at(d)).toEqual({ ...pos(text, '${secrets.openrouter.OTHER}'), severity: 'error' })
    expect(d.message).toContain('provides only OPENROUTER_KEY')
  })

  it('no undefined-secret when the env source provides the variable (catches false positives)', () => {
    const text = compose({
      models:
        '"m": { "type": "external", "url": "http://localhost:8000", "api-key": "$secrets.openrouter.OPENROUTER_KEY" }',
      secrets: '"openrouter": { "source": "env", "variable": "OPENROUTER_KEY" }'
    })
    const result = validateText(text)
    expect(result.diagnostics).toEqual([])
    expect(result.ok).toBe(true)
  })

  it('undefined-secret in a function header and a node condition', () => {
    const node = NODE_A.replace('"use-case": "A"', '"use-case": "A", "if": "$secrets.api.TOKEN"')
    const text = compose({
      functions:
        '"notify": { "type": "rest", "url": "http://x", "headers": { "Authorization": "Bearer $secrets.vault1.TOKEN" } }',
      secrets: '"api": { "source": "env-file", "path": ".env", "variables": ["TOKEN"] }',
      nodes: [ROUTER, node, NODE_B, OUTPUT]
    })
    const found = withCode(validateText(text), 'undefined-secret')
    expect(found.map((d) => ({ line: d.line, column: d.column }))).toEqual([
      pos(text, '$secrets.vault1.TOKEN')
    ])
  })

  it('ws-without-url at the ws node', () => {
    const ws = '{ "name": "tap", "adapter": "ws", "if": "$OutputCustomKey" }'
    const router = ROUTER.replace(
      '"output-to": [1]',
      '"output-to": [1], "extra-options": { "UseHeaderKeys": ["OutputCustomKey"] }'
    )
    const text = compose({ nodes: [router, NODE_A, NODE_B, OUTPUT, ws] })
    const result = validateText(text)
    expect(at(single(result, 'ws-without-url'))).toEqual({ ...pos(text, ws), severity: 'error' })
    expect(codes(result)).toEqual(['ws-without-url'])
  })
})

describe('warnings, each at its exact line:column', () => {
  it('node-without-model at a reachable LLM node; the composition stays ok', () => {
    const node =
      '{ "name": "a", "layer": 1, "adapter": "openai-api", "use-case": "A", "output-to": ["output"] }'
    const text = compose({ nodes: [ROUTER, node, NODE_B, OUTPUT] })
    const result = validateText(text)
    expect(at(single(result, 'node-without-model'))).toEqual({
      ...pos(text, node),
      severity: 'warning'
    })
    expect(result.ok).toBe(true)
  })

  it('no node-without-model when extra-options.model_override names the model', () => {
    const node =
      '{ "name": "a", "layer": 1, "adapter": "openai-api", "output-to": ["output"], "extra-options": { "model_override": "x" } }'
    expect(
      withCode(
        validateText(compose({ nodes: [ROUTER, node, NODE_B, OUTPUT] })),
        'node-without-model'
      )
    ).toEqual([])
  })

  it('unreachable-node at a node nothing routes to', () => {
    const orphan =
      '{ "name": "orphan", "layer": 3, "model": "m", "adapter": "openai-api", "output-to": ["output"] }'
    const text = compose({ nodes: [ROUTER, NODE_A, NODE_B, orphan, OUTPUT] })
    const result = validateText(text)
    const d = single(result, 'unreachable-node')
    expect(at(d)).toEqual({ ...pos(text, orphan), severity: 'warning' })
    expect(d.message).toContain('"orphan" is not reachable from the entry node "router"')
    expect(result.ok).toBe(true)
  })

  it('unguarded-cycle at the output-to of the first node of the cycle', () => {
    const a =
      '{ "name": "a", "layer": 1, "model": "m", "adapter": "openai-api", "output-to": ["b"] }'
    const b =
      '{ "name": "b", "layer": 2, "model": "m", "adapter": "openai-api", "output-to": ["a", "output"] }'
    const text = compose({ nodes: [ROUTER, a, b, OUTPUT] })
    const result = validateText(text)
    const d = single(result, 'unguarded-cycle')
    expect(at(d)).toEqual({ ...valuePos(text, '"output-to": ', 2), severity: 'warning' })
    expect(d.message).toContain('a → b → a')
    expect(d.message).toContain('hop limit (10)')
    expect(result.ok).toBe(true)
  })

  it('no unguarded-cycle when a node of the cycle has a $HOP_COUNT guard (catches false positives)', () => {
    const a =
      '{ "name": "a", "layer": 1, "model": "m", "adapter": "openai-api", "output-to": ["b"] }'
    const b =
      '{ "name": "b", "layer": 2, "model": "m", "adapter": "openai-api", "if": "$HOP_COUNT < 5", "output-to": ["a", "output"] }'
    const result = validateText(compose({ nodes: [ROUTER, a, b, OUTPUT] }))
    expect(result.diagnostics).toEqual([])
  })

  it('unknown-variable at the variable inside the condition, with did-you-mean', () => {
    const cond = '$PREV_NODE == router && $WORD_CONT > 3'
    const text = compose({
      nodes: [
        ROUTER,
        NODE_A.replace('"use-case": "A"', `"use-case": "A", "if": "${cond}"`),
        NODE_B,
        OUTPUT
      ]
    })
    const result = validateText(text)
    const d = single(result, 'unknown-variable')
    expect(at(d)).toEqual({ ...pos(text, '$WORD_CONT'), severity: 'warning' })
    expect(d.message).toContain('did you mean $WORD_COUNT')
    expect(result.ok).toBe(true)
  })

  it('no unknown-variable for a variable listed in extra-options.UseHeaderKeys', () => {
    const listed = ROUTER.replace(
      '"output-to": [1]',
      '"output-to": [1], "extra-options": { "UseHeaderKeys": ["AlertRequired"] }'
    )
    const guarded = NODE_A.replace('"use-case": "A"', '"use-case": "A", "if": "$AlertRequired"')
    expect(validateText(compose({ nodes: [listed, guarded, NODE_B, OUTPUT] })).diagnostics).toEqual(
      []
    )
    // …and the same condition without the listing is flagged, so the check above is not vacuous.
    const text = compose({ nodes: [ROUTER, guarded, NODE_B, OUTPUT] })
    expect(at(single(validateText(text), 'unknown-variable'))).toEqual({
      ...pos(text, '$AlertRequired'),
      severity: 'warning'
    })
  })

  it('hook conditions may read the hook variables ($OUTPUT, $INPUT, $NODE) but node conditions may not', () => {
    const hooked = NODE_A.replace(
      '"use-case": "A"',
      '"use-case": "A", "hooks": { "post": [{ "function": "f", "if": "$OUTPUT && $NODE == a" }] }'
    )
    const fn = '"f": { "type": "shell", "command": "true" }'
    expect(
      validateText(compose({ functions: fn, nodes: [ROUTER, hooked, NODE_B, OUTPUT] })).diagnostics
    ).toEqual([])
    const text = compose({
      nodes: [
        ROUTER,
        NODE_A.replace('"use-case": "A"', '"use-case": "A", "if": "$OUTPUT"'),
        NODE_B,
        OUTPUT
      ]
    })
    expect(codes(validateText(text))).toEqual(['unknown-variable'])
  })
})

describe('reports every problem at once (catches the Rust llmnet first-error-wins)', () => {
  it('a schema error in a function, an unknown model in one node and a bad condition in another', () => {
    const text = compose({
      functions: '"broken": { "type": "rest", "timeout": "soon" }',
      nodes: [
        ROUTER,
        NODE_A.replace('"model": "m"', '"model": "nope"'),
        NODE_B.replace('"use-case": "B"', '"use-case": "B", "if": "$WORD_COUNT = 3"'),
        OUTPUT
      ]
    })
    const result = validateText(text)
    expect(result.ok).toBe(false)
    const schema = result.diagnostics.filter((d) => d.path[0] === 'functions')
    expect(schema.length).toBeGreaterThanOrEqual(1)
    expect(schema.every((d) => d.severity === 'error' && d.line === 3)).toBe(true)
    expect(schema.map((d) => d.message).join('\n')).toMatch(/functions\.broken\.(url|timeout)/)
    expect(at(single(result, 'undefined-model'))).toEqual({
      ...pos(text, '"nope"'),
      severity: 'error'
    })
    expect(at(single(result, 'condition-syntax'))).toEqual({
      ...pos(text, '= 3'),
      severity: 'error'
    })
  })

  it('a node dropped for a schema error does not shift the positions of later nodes (catches index remapping bugs)', () => {
    const broken =
      '{ "name": "a", "layer": "one", "model": "m", "adapter": "openai-api", "output-to": ["output"] }'
    const text = compose({
      nodes: [ROUTER, broken, NODE_B.replace('"model": "m"', '"model": "nope"'), OUTPUT]
    })
    const result = validateText(text)
    const schema = result.diagnostics.find((d) => d.code === 'schema')
    expect(schema).toMatchObject({ severity: 'error', ...valuePos(text, '"layer": ', 2) })
    expect(schema?.line).toBe(5)
    expect(at(single(result, 'undefined-model'))).toEqual({
      ...pos(text, '"nope"'),
      severity: 'error'
    })
    expect(single(result, 'undefined-model').path).toEqual(['architecture', 2, 'model'])
  })

  it('a reference to a function dropped for a schema error is not reported again (no cascade)', () => {
    const node = NODE_A.replace(
      '"use-case": "A"',
      '"use-case": "A", "hooks": { "pre": [{ "function": "broken" }] }'
    )
    const text = compose({
      functions: '"broken": { "type": "rest" }',
      nodes: [ROUTER, node, NODE_B, OUTPUT]
    })
    const result = validateText(text)
    expect(codes(result)).toEqual(['missing-field'])
    expect(result.diagnostics[0]?.message).toContain('functions.broken.url is required')
  })

  it('diagnostics come sorted by line then column', () => {
    const text = compose({
      nodes: [
        ROUTER.replace('[1]', '[1, 7]'),
        NODE_A.replace('"model": "m"', '"model": "x"'),
        NODE_B.replace('"openai-api"', '"wat"'),
        OUTPUT
      ]
    })
    const ds = validateText(text).diagnostics
    expect(ds.length).toBeGreaterThanOrEqual(3)
    const keys = ds.map((d) => d.line * 10_000 + d.column)
    expect(keys).toEqual([...keys].sort((x, y) => x - y))
  })
})

describe('accepted forms of the Rust llmnet format and our additions', () => {
  it.each([
    ['bind-port as a string (the Rust llmnet)', '"bind-port": "8081"'],
    ['bind-port as a number (catches the Rust llmnet parse failure)', '"bind-port": 8081'],
    ['bind-addr', '"bind-addr": "0.0.0.0"']
  ])('%s', (_name, field) => {
    const text = compose({
      nodes: [
        ROUTER,
        NODE_A.replace('"use-case": "A"', `"use-case": "A", ${field}`),
        NODE_B,
        OUTPUT
      ]
    })
    const result = validateText(text)
    expect(result.diagnostics).toEqual([])
    expect(result.ok).toBe(true)
  })

  it('output-to mixing layer numbers and node names (the Rust llmnet rejects this)', () => {
    const text = compose({
      nodes: [
        ROUTER.replace('[1]', '[1, "c"]'),
        NODE_A,
        NODE_B,
        '{ "name": "c", "layer": 2, "model": "m", "adapter": "openai-api", "output-to": [3, "output"] }',
        '{ "name": "done", "layer": 3, "adapter": "output" }',
        OUTPUT
      ]
    })
    const result = validateText(text)
    expect(result.diagnostics).toEqual([])
    expect(result.composition?.architecture[0]?.['output-to']).toEqual([1, 'c'])
  })

  it.each([
    [
      'legacy external',
      '{ "type": "external", "interface": "openai-api", "url": "http://localhost:8000", "api-key": null }'
    ],
    [
      'legacy external with an api-key',
      '{ "type": "external", "interface": "openai-api", "url": "https://openrouter.ai/api", "api-key": "$OPENROUTER_API_KEY_FREE" }'
    ],
    [
      'legacy docker',
      '{ "type": "docker", "image": "vllm/vllm-openai:latest", "pat": "x", "registry_url": "ghcr.io", "params": "--gpus all" }'
    ],
    [
      'legacy huggingface',
      '{ "type": "huggingface", "url": "Qwen/Qwen2.5-0.5B-Instruct", "runner": "vllm", "hf_pat": "hf_x" }'
    ],
    [
      'unified external with endpoint',
      '{ "runner": "external", "endpoint": "http://localhost:8000/v1" }'
    ],
    [
      'unified external with url (README synonym)',
      '{ "runner": "external", "url": "http://localhost:8000", "api-key": "k" }'
    ],
    [
      'unified ollama',
      '{ "runner": "ollama", "source": "qwen2.5:0.5b", "parameters": { "num_ctx": 4096, "keep_alive": "5m" } }'
    ],
    [
      'unified vllm',
      '{ "runner": "vllm", "source": "Qwen/Qwen2.5-0.5B-Instruct", "parameters": { "gpu_memory_utilization": 0.8, "max_model_len": 4096 } }'
    ],
    [
      'unified llama-cpp',
      '{ "runner": "llama-cpp", "source": "hf://Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf", "parameters": { "n_gpu_layers": 99 } }'
    ],
    [
      'unified docker with a docker block',
      '{ "runner": "docker", "source": "RESMP-DEV/Qwen3-Next-80B-A3B-Instruct-NVFP4", "docker": { "image": "avarok/vllm-dgx-spark:v14", "name": "vllm-nvfp4", "gpus": "all", "ipc": "host", "shm_size": "16g", "restart": "unless-stopped", "port": 8090, "volumes": ["~/.cache/huggingface:/root/.cache/huggingface"], "env": { "HF_HOME": "/root/.cache/huggingface" }, "extra_args": { "--max-model-len": 8192 }, "registry": { "url": "ghcr.io", "username": "me", "token": "$secrets.gh.TOKEN" }, "detached": true, "auto_remove": false } }'
    ],
    [
      'unified tensorrt-llm with source, endpoint and parameters',
      '{ "runner": "tensorrt-llm", "source": "nvidia/Llama-3.1-8B-Instruct-FP8", "endpoint": "http://localhost:8000", "api-key": "hf_x", "parameters": { "max_batch_size": 4, "max_input_len": 2048 }, "docker": { "image": "nvcr.io/nvidia/tritonserver:24.08-trtllm-python-py3", "gpus": "all" } }'
    ],
    [
      'unified with "type" naming a runner (as the Rust llmnet docs show)',
      '{ "type": "ollama", "source": "llama3.2:1b" }'
    ],
    ['unified with only a name', '{ "runner": "vllm", "source": "x", "name": "served-name" }']
  ])('model: %s', (_name, model) => {
    const text = compose({
      models: `"m": ${model}`,
      secrets: '"gh": { "source": "env", "variable": "TOKEN" }'
    })
    const result = validateText(text)
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    expect(withCode(result, 'unknown-key')).toEqual([])
    expect(result.ok).toBe(true)
  })

  it.each([
    [
      'vault with token-env',
      '{ "source": "vault", "address": "http://127.0.0.1:8200", "path": "secret/data/llm", "variables": ["KEY"], "token-env": "VAULT_TOKEN" }'
    ],
    [
      'vault with token_env',
      '{ "source": "vault", "address": "http://127.0.0.1:8200", "path": "secret/data/llm", "variables": ["KEY"], "token_env": "VAULT_TOKEN" }'
    ],
    ['env-file', '{ "source": "env-file", "path": ".env", "variables": ["KEY"] }'],
    ['env', '{ "source": "env", "variable": "KEY" }'],
    ['store', '{ "source": "store", "variables": ["KEY"] }']
  ])('secrets: %s', (_name, secret) => {
    const text = compose({
      models:
        '"m": { "type": "external", "url": "http://localhost:8000", "api-key": "$secrets.llm.KEY" }',
      secrets: `"llm": ${secret}`
    })
    const result = validateText(text)
    expect(result.diagnostics).toEqual([])
    expect(result.ok).toBe(true)
  })

  it('a ws tap node with a url and a header-key condition is accepted (the nemotron shape)', () => {
    const router = ROUTER.replace(
      '"output-to": [1]',
      '"output-to": [1], "extra-options": { "UseHeaderKeys": ["OutputCustomKey"] }'
    )
    const ws =
      '{ "name": "output-to-ws", "if": "$OutputCustomKey", "adapter": "ws", "url": "ws://localhost:3000", "extra-options": {} }'
    expect(
      validateText(compose({ nodes: [router, NODE_A, NODE_B, OUTPUT, ws] })).diagnostics
    ).toEqual([])
  })
})

describe('no knock-on errors from a node dropped for a schema error', () => {
  it('does not also report "no entry" when the entry node itself has a schema error (catches a cascade of misleading errors)', () => {
    const text = JSON.stringify({
      models: {},
      architecture: [
        { name: 'router', layer: 0, 'output-to': ['output'] },
        { name: 'output', adapter: 'output' }
      ]
    })
    const codes = validateText(text).diagnostics.map((d) => d.code)
    expect(codes).toContain('missing-field')
    expect(codes).not.toContain('no-entry')
  })
})
