/**
 * Fuzzing the composition loader (JSON, JSONC, YAML): whatever the text, validation returns a
 * composition or diagnostics that each point inside the file with a message. Never a throw.
 * Inputs: arbitrary text, the shipped examples damaged as text and as values, arbitrary JSON.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { parse as parseJsonc } from 'jsonc-parser'
import { afterAll, describe, expect, it } from 'vitest'
import { parse as parseYaml, stringify as toYaml } from 'yaml'
import { loadCompositionFile } from '../../src/main/core/config/load-composition'
import type { SourceFormat } from '../../src/shared/config/source'
import { validateText, type ValidationResult } from '../../src/shared/config/validate'
import { tempDir } from '../support/harness'
import { FUZZ_TEST_TIMEOUT, fuzzParams } from './fuzz-options'
import { checkValidation } from './loader-contract'
import { buriedDeep, mutatedText, mutatedValue } from './mutate'

const EXAMPLES_DIR = path.join(import.meta.dirname, '../../examples')

interface Example {
  name: string
  format: SourceFormat
  text: string
  value: unknown
}

const examples: Example[] = readdirSync(EXAMPLES_DIR)
  .filter((f) => /\.(json|ya?ml)$/.test(f))
  .map((name) => {
    const text = readFileSync(path.join(EXAMPLES_DIR, name), 'utf8')
    const format: SourceFormat = /\.ya?ml$/.test(name) ? 'yaml' : 'json'
    return { name, format, text, value: format === 'yaml' ? parseYaml(text) : parseJsonc(text) }
  })

const example = fc.constantFrom(...examples)
const format = fc.constantFrom<SourceFormat>('json', 'yaml')

/** Each diagnostic points at a real place: a line of the text, a column of that line (or its end). */
function checkPositions(text: string, result: ValidationResult): void {
  const lines = text.split('\n')
  for (const d of result.diagnostics) {
    const where = `${d.code} "${d.message}" at ${d.line}:${d.column}`
    expect(d.line, where).toBeLessThanOrEqual(lines.length)
    expect(d.column, where).toBeLessThanOrEqual((lines[d.line - 1]?.length ?? 0) + 1)
  }
}

function validates(text: string, fmt: SourceFormat): void {
  checkValidation(text, validateText(text, { format: fmt }))
}

/** JSON, pretty JSON, or YAML (JSON is valid YAML, so a deep value falls back to it). */
function serialise(value: unknown, fmt: SourceFormat, pretty: boolean): string {
  if (fmt === 'json') return JSON.stringify(value, null, pretty ? 2 : undefined) ?? 'null'
  try {
    return pretty ? toYaml(value) : JSON.stringify(value)
  } catch {
    return JSON.stringify(value) ?? 'null'
  }
}

describe('fuzz: composition loader', { timeout: FUZZ_TEST_TIMEOUT }, () => {
  it('the shipped examples validate cleanly (the seeds of the mutations below)', () => {
    for (const ex of examples) {
      const result = validateText(ex.text, { format: ex.format })
      checkValidation(ex.text, result)
      expect(result.ok, ex.name).toBe(true)
    }
  })

  it('arbitrary text, as JSON and as YAML', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), format, (text, fmt) => {
        validates(text, fmt)
      }),
      fuzzParams(600)
    )
  })

  it('examples damaged as text: deletions, insertions (BOM, NUL, surrogates, anchors), duplicated slices', () => {
    const damaged = example.chain((ex) =>
      fc.tuple(fc.constant(ex.format), mutatedText(ex.text), fc.boolean())
    )
    fc.assert(
      fc.property(damaged, ([fmt, text, bom]) => {
        validates(bom ? `\uFEFF${text}` : text, fmt)
      }),
      fuzzParams(600)
    )
  })

  it('examples damaged as values: types swapped, keys deleted or added (__proto__), huge numbers', () => {
    // Serialised inside the arbitrary, so a counterexample prints as the text that failed.
    const damaged = fc
      .tuple(
        example.chain((ex) => mutatedValue(ex.value)),
        format,
        fc.boolean()
      )
      .map(([value, fmt, pretty]) => [serialise(value, fmt, pretty), fmt] as const)
    fc.assert(
      fc.property(damaged, ([text, fmt]) => {
        validates(text, fmt)
      }),
      fuzzParams(500)
    )
  })

  it('examples with a value buried up to 5,000 levels deep get a diagnostic, not a crash', () => {
    // JSON text is YAML too: the same text goes through both parsers.
    const damaged = fc.tuple(
      example.chain((ex) => buriedDeep(ex.value, 5_000)),
      format
    )
    fc.assert(
      fc.property(damaged, ([text, fmt]) => {
        validates(text, fmt)
      }),
      fuzzParams(60)
    )
  })

  it('arbitrary JSON values, as JSON and as YAML', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), format, fc.boolean(), (value, fmt, pretty) => {
        validates(serialise(value, fmt, pretty), fmt)
      }),
      fuzzParams(400)
    )
  })

  it('every diagnostic position is inside the text, in JSON and in YAML', () => {
    const damaged = example.chain((ex) => fc.tuple(fc.constant(ex.format), mutatedText(ex.text)))
    fc.assert(
      fc.property(damaged, ([fmt, text]) => {
        checkPositions(text, validateText(text, { format: fmt }))
      }),
      fuzzParams(600)
    )
  })

  describe('through real files', () => {
    const tmp = tempDir('llmnet-fuzz-')
    afterAll(() => tmp.remove())

    it('loadCompositionFile reads any damaged file (.json, .jsonc, .yaml, .yml) into diagnostics or a composition', async () => {
      const damaged = fc.tuple(
        example.chain((ex) => mutatedText(ex.text)),
        fc.constantFrom('.json', '.jsonc', '.yaml', '.yml')
      )
      let n = 0
      await fc.assert(
        fc.asyncProperty(damaged, async ([text, ext]) => {
          const file = path.join(tmp.dir, `fuzz-${n++}${ext}`)
          writeFileSync(file, text)
          const loaded = await loadCompositionFile(file)
          expect(loaded.id).toBe(`fuzz-${n - 1}`)
          checkValidation(text, loaded)
        }),
        fuzzParams(60)
      )
    })
  })
})
