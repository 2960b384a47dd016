import { describe, expect, it } from 'vitest'
import { Cancellation } from '../cancel'
import { type FunctionDefinition, FunctionSchema } from '../../../shared/config/schema'
import { runFunction } from './run-function'
import { TEST_SECRET, testContext } from './test-support'

const parse = (raw: unknown): FunctionDefinition => FunctionSchema.parse(raw)

describe('runFunction', () => {
  it('never throws, whatever the definition (fails if a bad definition rejects the promise)', async () => {
    const bad: unknown[] = [
      null,
      undefined,
      {},
      { type: 'ftp' },
      { type: 'rest' },
      { type: 'shell', command: 42 },
      'rest'
    ]
    for (const def of bad) {
      const result = await runFunction('weird', def as FunctionDefinition, testContext())
      expect(result.ok).toBe(false)
      expect(result.error).toMatch(/^function "weird" /)
      expect(result.durationMs).toBeGreaterThanOrEqual(0)
    }
  })

  it('reports each type of failure with the function name and type (fails if errors lose which function failed)', async () => {
    const cases: [string, unknown, RegExp][] = [
      [
        'notify',
        { type: 'rest', url: 'not a url' },
        /^function "notify" \(rest\): invalid url \(from "not a url"\)$/
      ],
      [
        'script',
        { type: 'shell', command: 'definitely-not-a-command-xyz' },
        /^function "script" \(shell\): could not start/
      ],
      [
        'tap',
        { type: 'websocket', url: 'ftp://x' },
        /^function "tap" \(websocket\): url must be ws or wss/
      ],
      [
        'calc',
        { type: 'grpc', address: '127.0.0.1:1', service: 's.S', method: 'M', request: [1] },
        /^function "calc" \(grpc\): request must be a JSON object/
      ]
    ]
    for (const [name, def, expected] of cases) {
      const result = await runFunction(name, parse(def), testContext())
      expect(result.ok).toBe(false)
      expect(result.error).toMatch(expected)
    }
  })

  it('an unresolved secret fails the call naming the reference, never a secret value (fails if the request goes out with "" or leaks)', async () => {
    const def = parse({
      type: 'shell',
      command: process.execPath,
      args: ['-e', '1', '$secrets.api.TOKEN', '$secrets.api.MISSING']
    })
    const result = await runFunction('leaky', def, testContext())
    expect(result.ok).toBe(false)
    expect(result.error).toContain('$secrets.api.MISSING')
    expect(result.error).not.toContain(TEST_SECRET)
  })

  it('success carries output and duration; empty output is omitted (fails if the result shape differs from FunctionResult)', async () => {
    const ok = await runFunction(
      'echo',
      parse({
        type: 'shell',
        command: process.execPath,
        args: ['-e', 'console.log(JSON.stringify({a:1}))']
      }),
      testContext()
    )
    expect(ok).toMatchObject({ ok: true, output: { a: 1 } })
    expect(ok.error).toBeUndefined()
    expect(ok.durationMs).toBeGreaterThan(0)
    const empty = await runFunction(
      'quiet',
      parse({ type: 'shell', command: process.execPath, args: ['-e', ''] }),
      testContext()
    )
    expect(empty).toEqual({ ok: true, durationMs: expect.any(Number) as number })
  })

  it('a cancelled request stops the function and reports "cancelled" (fails if cancellation is ignored until the timeout)', async () => {
    const cancel = new Cancellation()
    const def = parse({
      type: 'shell',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      timeout: 20
    })
    const started = Date.now()
    const pending = runFunction('long', def, { ...testContext(), signal: cancel })
    setTimeout(() => cancel.abort(), 150)
    const result = await pending
    expect(result).toMatchObject({
      ok: false,
      error: 'function "long" (shell): cancelled (process tree killed)'
    })
    expect(Date.now() - started).toBeLessThan(3000)
    // already cancelled: nothing starts
    const again = await runFunction('long', def, { ...testContext(), signal: cancel })
    expect(again).toMatchObject({ ok: false, error: 'function "long" (shell): cancelled' })
  })
})
