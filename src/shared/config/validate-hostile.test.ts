/**
 * validateText on values that plain JavaScript objects mishandle: a `__proto__` key (which an
 * assignment turns into the prototype) and numbers that overflow to Infinity. Positions are
 * computed from the test text itself.
 */
import { describe, expect, it } from 'vitest'
import { parseSource } from './source'
import { validateText } from './validate'

function posOf(text: string, needle: string, from = 0): { line: number; column: number } {
  const idx = text.indexOf(needle, from)
  if (idx < 0) throw new Error(`test bug: ${needle} not found`)
  const before = text.slice(0, idx)
  return { line: before.split('\n').length, column: idx - before.lastIndexOf('\n') }
}

const MODEL = '"m": {"type": "external", "url": "http://127.0.0.1:9/v1"}'

/** A valid composition, with `extra` added to the bot node and `models` extra entries. */
function composition(opts: { root?: string; models?: string; node?: string } = {}): string {
  return `{
  ${opts.root ?? ''}"models": {${MODEL}${opts.models ?? ''}},
  "architecture": [
    {"name": "bot", "layer": 0, "model": "m", "adapter": "openai-api"${opts.node ?? ''},
     "output-to": ["output"]},
    {"name": "output", "adapter": "output"}
  ]
}
`
}

/** The same document as YAML flow style (JSON is YAML), and as JSONC with a comment. */
const FORMATS = [
  ['JSON', 'json', (t: string) => t],
  ['JSONC', 'json', (t: string) => `// a comment\n${t.replace('"models"', '/* c */ "models"')}`],
  ['YAML', 'yaml', (t: string) => t]
] as const

describe('a "__proto__" key is an ordinary key', () => {
  it.each(FORMATS)(
    '%s: at the root it is an unknown key, its fields are not inherited (fails if it becomes the prototype)',
    (_name, format, wrap) => {
      const text = wrap(
        composition({ root: '"__proto__": {"description": 2, "functions": "x"},\n  ' })
      )
      const value = parseSource(text, format).value as Record<string, unknown>
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
      expect(Object.keys(value)).toContain('__proto__')
      expect(value.description).toBeUndefined()
      const result = validateText(text, { format })
      expect(result.diagnostics).toEqual([
        expect.objectContaining({
          severity: 'warning',
          code: 'unknown-key',
          path: ['__proto__'],
          ...posOf(text, '"__proto__"')
        })
      ])
      expect(result.ok).toBe(true)
      expect(validateText(text, { format, strict: true }).ok).toBe(false)
    }
  )

  it.each(FORMATS)(
    '%s: in a node it is an unknown key at its line:column',
    (_name, format, wrap) => {
      const text = wrap(composition({ node: ', "__proto__": {"model": "nope"}' }))
      expect(validateText(text, { format }).diagnostics).toEqual([
        expect.objectContaining({
          code: 'unknown-key',
          path: ['architecture', 0, '__proto__'],
          message: 'unknown key "__proto__" in architecture[0]',
          ...posOf(text, '"__proto__"')
        })
      ])
    }
  )

  it.each(FORMATS)(
    '%s: as a model name it is reported, not silently dropped (zod skips it in records)',
    (_name, format, wrap) => {
      const text = wrap(composition({ models: ', "__proto__": {"type": "nonsense"}' }))
      const result = validateText(text, { format })
      expect(result.diagnostics).toEqual([
        expect.objectContaining({
          severity: 'warning',
          code: 'reserved-key',
          path: ['models', '__proto__'],
          message: '"__proto__" cannot be used as a name in models; it is ignored',
          ...posOf(text, '"__proto__"')
        })
      ])
      expect(Object.keys(result.composition?.models ?? {})).toEqual(['m'])
      expect(validateText(text, { format, strict: true }).ok).toBe(false)
    }
  )

  it('inside a free-form value (model parameters) it is kept as data, and no warning is given', () => {
    const text = composition({
      models:
        ', "p": {"runner": "external", "url": "http://x/v1", "parameters": {"x": {"__proto__": 1}}}'
    })
    const result = validateText(text, { format: 'json' })
    expect(result.diagnostics).toEqual([])
    const params = result.composition?.models.p as { parameters?: { x?: object } }
    expect(Object.hasOwn(params.parameters?.x ?? {}, '__proto__')).toBe(true)
  })

  it('after a schema error elsewhere (the salvage path) a dropped "__proto__" name is still reported', () => {
    const text = composition({ models: ', "__proto__": {"type": "x"}', node: ', "layer": "one"' })
    const codes = validateText(text, { format: 'json' }).diagnostics.map((d) => d.code)
    expect(codes).toContain('reserved-key')
  })
})

describe('numbers that overflow', () => {
  it.each([
    ['1e999', 'json', 'a number too large (Infinity)'],
    ['-1e999', 'json', 'a number too large (-Infinity)'],
    ['.inf', 'yaml', 'a number too large (Infinity)'],
    ['.nan', 'yaml', 'NaN (not a number)']
  ] as const)(
    '%s (%s) is described as "%s", not as "number null"',
    (literal, format, described) => {
      const json = composition().replace('"layer": 0', `"layer": ${literal}`)
      const text = format === 'yaml' ? json.replace(/"layer": /, 'layer: ') : json
      const result = validateText(text, { format })
      expect(result.diagnostics).toEqual([
        expect.objectContaining({
          code: 'schema',
          message: `architecture[0].layer must be a finite number, not ${described}`,
          ...posOf(text, literal)
        })
      ])
    }
  )
})
