/**
 * The `<think>` splitter of the llama.cpp worker: thoughts become reasoning, the rest content,
 * whatever the chunk boundaries (a tag cut anywhere, one character per chunk).
 */
import { describe, expect, it } from 'vitest'
import { splitThinking, type ThinkPart, ThinkSplitter } from './think-split'

/** Feeds `pieces` one by one and joins what comes out. */
function streamed(pieces: string[], open = false): ThinkPart {
  const s = new ThinkSplitter(open)
  const out = { reasoning: '', content: '' }
  for (const p of [...pieces.map((x) => s.push(x)), s.end()]) {
    out.reasoning += p.reasoning
    out.content += p.content
  }
  return out
}

const CASES: [string, ThinkPart, boolean?][] = [
  [
    '<think>\nLet me see.\n</think>\n\nThe answer is 4.',
    { reasoning: '\nLet me see.\n', content: 'The answer is 4.' }
  ],
  ['  <think>a<b</think>c', { reasoning: 'a<b', content: 'c' }],
  ['No thinking here.', { reasoning: '', content: 'No thinking here.' }],
  [
    'Text with <think>inside</think> stays.',
    { reasoning: '', content: 'Text with <think>inside</think> stays.' }
  ],
  ['<thin', { reasoning: '', content: '<thin' }],
  [
    '<think>cut short by max_tokens </thi',
    { reasoning: 'cut short by max_tokens </thi', content: '' }
  ],
  ['<think></think>Only the answer.', { reasoning: '', content: 'Only the answer.' }],
  [
    'Forced open by the template.</think>\nDone.',
    { reasoning: 'Forced open by the template.', content: 'Done.' },
    true
  ],
  ['<tool>x</tool>', { reasoning: '', content: '<tool>x</tool>' }]
]

describe('think splitter', () => {
  it('splits a whole answer (fails if thoughts leak into content or a later <think> is taken)', () => {
    for (const [text, want, open] of CASES) expect(splitThinking(text, open), text).toEqual(want)
  })

  it('gives the same split for every way of cutting the text in two or three chunks (fails if a split tag leaks)', () => {
    for (const [text, want, open] of CASES) {
      expect(streamed([...text], open), `${text} by character`).toEqual(want)
      for (let i = 0; i <= text.length; i++) {
        expect(streamed([text.slice(0, i), text.slice(i)], open)).toEqual(want)
        for (let j = i; j <= text.length; j++)
          expect(streamed([text.slice(0, i), text.slice(i, j), text.slice(j)], open)).toEqual(want)
      }
    }
  })

  it('streams thoughts as they come, holding back only what could be a tag (fails if it buffers the whole block)', () => {
    const s = new ThinkSplitter()
    expect(s.push('<think>step one, ')).toEqual({ reasoning: 'step one, ', content: '' })
    expect(s.push('step two </')).toEqual({ reasoning: 'step two ', content: '' })
    expect(s.push('think>Answer')).toEqual({ reasoning: '', content: 'Answer' })
    expect(s.push(' more')).toEqual({ reasoning: '', content: ' more' })
  })
})
