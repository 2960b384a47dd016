import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  addExpert,
  findRouter,
  pipelineNameFor,
  singleModelComposition
} from '../src/shared/config/add-expert'
import { parseSource } from '../src/shared/config/source'
import { validateText } from '../src/shared/config/validate'

const EXAMPLES = path.resolve(__dirname, '../examples')
const read = (f: string): string => readFileSync(path.join(EXAMPLES, f), 'utf8')
const spec = {
  name: 'tiny-expert',
  useCase: 'Questions about tiny models',
  source: 'hf://o/r/t-Q8_0.gguf'
}

describe('discovery composition edits', () => {
  it('a 1-0-1 on a GGUF source validates', () => {
    const text = singleModelComposition('hf://o/r/t-Q8_0.gguf', 'one model')
    expect(validateText(text, { format: 'json' }).ok).toBe(true)
  })

  it('names a new pipeline after the file, never one taken', () => {
    expect(pipelineNameFor('Tiny-Chat-Q8_0.gguf', [])).toBe('tiny-chat-q8_0')
    expect(pipelineNameFor('Tiny Chat.gguf', ['tiny-chat', 'tiny-chat-2'])).toBe('tiny-chat-3')
  })

  it('adds an expert to a JSON router by layer, keeping the rest of the text', () => {
    const before = read('dual-expert.json')
    const after = addExpert(before, 'json', spec)
    const result = validateText(after, { format: 'json' })
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    const node = result.composition!.architecture.find((n) => n.name === 'tiny-expert')!
    expect(node).toMatchObject({ layer: 1, model: 'tiny-expert', 'use-case': spec.useCase })
    expect(node['output-to']).toEqual(['output'])
    expect(result.composition!.models['tiny-expert']).toMatchObject({
      runner: 'llama-cpp',
      source: spec.source
    })
    expect(after).toContain('"description": "1-2-1: a small router model')
  })

  it('adds an expert to a YAML router by name, keeping its comments', () => {
    const after = addExpert(read('translate-or-summarise.yaml'), 'yaml', spec)
    expect(after.startsWith('# YAML works too')).toBe(true)
    const result = validateText(after, { format: 'yaml' })
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    const router = result.composition!.architecture.find((n) => n.name === 'router')!
    expect(router['output-to']).toEqual(['translator', 'summariser', 'tiny-expert'])
  })

  it('refuses a pipeline without a router, a taken name and an empty use-case, by name', () => {
    const single = singleModelComposition('x.gguf', 'one')
    expect(findRouter(parseSource(single, 'json').value)).toBeNull()
    expect(() => addExpert(single, 'json', spec)).toThrow(/no router/)
    const dual = read('dual-expert.json')
    expect(() => addExpert(dual, 'json', { ...spec, name: 'triage' })).toThrow(
      /name: a node named "triage"/
    )
    expect(() => addExpert(dual, 'json', { ...spec, useCase: ' ' })).toThrow(/^use-case/)
  })
})
