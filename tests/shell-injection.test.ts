/**
 * The attack on the shipped calculator example, run for real: the model's answer reached
 * `node -e SCRIPT $OUTPUT` as an argument, so an answer starting with `--import=data:…` made
 * node run that JavaScript, and `--help` was swallowed as node's own option. The fixed example
 * sends the answer on stdin. The old arguments are kept here only, as the counter-example that
 * proves the test sees the hole.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { FunctionDefinition } from '../src/shared/config/schema'
import { validateText } from '../src/shared/config/validate'
import { runFunction } from '../src/main/core/functions/run-function'
import type { FunctionResult } from '../src/main/core/functions/types'
import { tempDir } from './support/harness'

const EXAMPLE = path.resolve(__dirname, '..', 'examples', 'calculator.json')
const TEXT = readFileSync(EXAMPLE, 'utf8')

type Shell = Extract<FunctionDefinition, { type: 'shell' }>

function multiply(text = TEXT): Shell {
  const result = validateText(text, { fileName: EXAMPLE })
  const def = result.composition?.functions.multiply
  if (def?.type !== 'shell') throw new Error('test bug: calculator.json has no shell "multiply"')
  return def
}

/** The example as shipped before the fix: the answer as node's last argument, no stdin. */
function vulnerable(): Shell {
  const fixed = multiply()
  const script = (fixed.args?.[1] ?? '')
    .replace("const text = require('fs').readFileSync(0, 'utf8'); ", '')
    .replaceAll('text', 'process.argv[1]')
  const { stdin: _stdin, ...rest } = fixed
  return { ...rest, args: ['-e', script, '$OUTPUT'] }
}

/** Runs the function as a post hook would, with `answer` as the model's output. */
function run(def: Shell, answer: string): Promise<FunctionResult> {
  return runFunction(
    'multiply',
    def,
    {
      vars: { INPUT: 'What is 6 times 7?', OUTPUT: answer, NODE: 'extractor' },
      secrets: { get: () => undefined },
      baseDir: path.dirname(EXAMPLE)
    },
    { expectReply: true }
  )
}

/** An answer that makes node import (and run) a data: module writing `marker`. */
function importPayload(marker: string): string {
  const code = `import {writeFileSync} from 'node:fs';writeFileSync(${JSON.stringify(marker)},'x')`
  return `--import=data:text/javascript,${encodeURIComponent(code)}`
}

const tmp = tempDir('llmnet-injection-')
afterAll(() => tmp.remove())

describe('calculator.json against a hostile model answer', () => {
  it('the shipped example still multiplies (fails if the stdin fix broke the example)', async () => {
    const result = await run(multiply(), 'Sure: {"a": 12, "b": 34}')
    expect(result).toMatchObject({ ok: true, output: { content: '12 × 34 = 408' } })
  })

  it('an answer "--import=data:…" runs no code and is reported as bad input (fails if the answer reaches node as an argument)', async () => {
    const marker = path.join(tmp.dir, 'fixed-pwned')
    const payload = importPayload(marker)
    const result = await run(multiply(), payload)
    expect(existsSync(marker)).toBe(false)
    expect(result.ok).toBe(false)
    expect(result.error).toBe(
      `function "multiply" (shell): exit code 2: the model did not give two numbers: ${payload.slice(0, 80)}`
    )
  })

  it('counter-example: with the old arguments the same answer writes the file (fails if the test can no longer see the hole)', async () => {
    const marker = path.join(tmp.dir, 'old-pwned')
    await run(vulnerable(), importPayload(marker))
    expect(existsSync(marker)).toBe(true)
    expect(readFileSync(marker, 'utf8')).toBe('x')
  })

  it('an answer "--help" is bad input, not node help text (fails if node swallows it as its own option)', async () => {
    const fixed = await run(multiply(), '--help')
    expect(fixed).toMatchObject({
      ok: false,
      error: 'function "multiply" (shell): exit code 2: the model did not give two numbers: --help'
    })
    // The old arguments: node prints its usage and exits 0, and that text became the answer.
    const old = await run(vulnerable(), '--help')
    expect(old.ok).toBe(true)
    expect(String(old.output)).toMatch(/Usage: node/)
  })

  it('validate flags the old arguments and not the fixed ones (fails if the rule misses the shipped hole)', () => {
    expect(validateText(TEXT, { fileName: EXAMPLE }).diagnostics).toEqual([])
    const old = JSON.parse(TEXT) as { functions: { multiply: Record<string, unknown> } }
    old.functions.multiply = vulnerable()
    const diagnostics = validateText(JSON.stringify(old, null, 2), {
      fileName: EXAMPLE
    }).diagnostics
    expect(diagnostics.map((d) => [d.code, d.path.join('.')])).toEqual([
      ['variable-argument', 'functions.multiply.args.2']
    ])
  })
})
