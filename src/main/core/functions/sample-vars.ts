import { randomUUID } from 'node:crypto'
import { charLength, countWords } from '../../../shared/config/variables'

/** The hook variables a function sees when it is tried by hand (`functions test`, the UI). */
export function sampleVariables(opts: {
  input: string
  output?: string
  node?: string
}): Record<string, unknown> {
  const text = opts.output ?? opts.input
  return {
    INPUT: opts.input,
    ...(opts.output !== undefined ? { OUTPUT: opts.output } : {}),
    NODE: opts.node ?? 'test-node',
    REQUEST_ID: randomUUID(),
    TIMESTAMP: new Date().toISOString(),
    WORD_COUNT: countWords(text),
    INPUT_LENGTH: charLength(text),
    HOP_COUNT: 1,
    INITIAL_INPUT: opts.input
  }
}
