import { describe, expect, it } from 'vitest'
import { formatEvalCase, parseEvalCases } from './cases'
import { parsePromptfooTests } from './promptfoo'

describe('evaluation cases (JSONL)', () => {
  it('reads one case a line, skipping blanks and comments, with ids from the line when absent', () => {
    const text = [
      '# billing cases',
      '{"id": "inv-1", "input": "my invoice is wrong", "expect": {"route": "billing", "contains": "refund"}}',
      '',
      '{"messages": [{"role": "user", "content": "hi"}], "expect": {"route": ["tech", "general"], "max_ms": 2000}}'
    ].join('\n')
    const { cases, diagnostics } = parseEvalCases(text)
    expect(diagnostics).toEqual([])
    expect(cases.map((c) => [c.id, c.line])).toEqual([
      ['inv-1', 2],
      ['line-4', 4]
    ])
    expect(cases[1]?.expect.route).toEqual(['tech', 'general'])
  })

  it('names an unknown key at its line and column, with the keys it knows (fails if typos pass silently)', () => {
    const text = '{"input": "a"}\n{"input": "b", "expect": {"rout": "billing"}}'
    const { cases, diagnostics } = parseEvalCases(text)
    expect(cases).toHaveLength(1)
    expect(diagnostics).toHaveLength(1)
    expect(diagnostics[0]).toMatchObject({ code: 'unknown-key', line: 2, column: 27 })
    expect(diagnostics[0]?.message).toContain('expect.rout')
    expect(diagnostics[0]?.message).toContain('route')
  })

  it('refuses bad JSON, a case without input, both input and messages, a bad regex and a repeated id', () => {
    const text = [
      '{"input": "a",}x',
      '{"expect": {}}',
      '{"input": "a", "messages": [{"role": "user", "content": "b"}]}',
      '{"input": "a", "expect": {"matches": "(["}}',
      '{"id": "x", "input": "a"}',
      '{"id": "x", "input": "b"}',
      '{"input": 3}'
    ].join('\n')
    const { cases, diagnostics } = parseEvalCases(text)
    expect(cases.map((c) => c.id)).toEqual(['x'])
    expect(diagnostics.map((d) => [d.line, d.code])).toEqual([
      [1, 'syntax'],
      [2, 'invalid-case'],
      [3, 'invalid-case'],
      [4, 'invalid-case'],
      [6, 'duplicate-id'],
      [7, 'invalid-case']
    ])
    expect(diagnostics[6 - 1]?.message).toContain('input')
  })

  it('an empty file is an error, not a run of nothing', () => {
    expect(parseEvalCases('\n\n').diagnostics[0]?.code).toBe('empty')
  })

  it('formats a case as one line that parses back to the same case', () => {
    const line = formatEvalCase({ id: 't-1', input: 'x "y"', expect: { route: 'billing' } })
    expect(line).not.toContain('\n')
    expect(parseEvalCases(line).cases[0]).toMatchObject({
      id: 't-1',
      input: 'x "y"',
      expect: { route: 'billing' }
    })
  })
})

describe('promptfoo test files', () => {
  it('maps vars and the supported assertion types to cases (the documented mapping)', () => {
    const yaml = `
prompts: ["{{question}}"]
tests:
  - description: refund
    vars: { question: "I was charged twice" }
    metadata: { route: billing }
    assert:
      - type: contains
        value: refund
      - type: icontains
        value: SORRY
      - type: not-contains
        value: error
      - type: regex
        value: "^[A-Z]"
  - vars: { question: "give me json", tone: "dry" }
    assert:
      - type: is-json
      - type: equals
        value: "{}"
`
    const { cases, diagnostics } = parsePromptfooTests(yaml)
    expect(diagnostics).toEqual([])
    expect(cases[0]).toMatchObject({
      id: 'refund',
      input: 'I was charged twice',
      expect: {
        route: 'billing',
        contains: 'refund',
        icontains: 'SORRY',
        not_contains: 'error',
        matches: '^[A-Z]'
      }
    })
    expect(cases[1]).toMatchObject({
      id: 'test-2',
      input: 'give me json',
      expect: { json_schema: true, equals: '{}' }
    })
  })

  it('an assertion type with no equivalent is an error at its line, naming the supported ones', () => {
    const yaml =
      'tests:\n  - vars: { input: hi }\n    assert:\n      - type: llm-rubric\n        value: polite\n'
    const { cases, diagnostics } = parsePromptfooTests(yaml)
    expect(cases).toEqual([])
    expect(diagnostics[0]).toMatchObject({ code: 'unsupported-assert', line: 4 })
    expect(diagnostics[0]?.message).toContain('llm-rubric')
    expect(diagnostics[0]?.message).toContain('not-contains')
  })

  it('several vars and none of the known input names: asks which one', () => {
    const { diagnostics } = parsePromptfooTests('- vars: { a: x, b: y }\n')
    expect(diagnostics[0]?.message).toContain('which var')
    const chosen = parsePromptfooTests('- vars: { a: x, b: y }\n', { inputVar: 'b' })
    expect(chosen.cases[0]?.input).toBe('y')
  })
})
