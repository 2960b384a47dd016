/**
 * The quit sequence with fakes. Catches: quitting before the runtime drained (lost traces, orphan
 * workers), a hung stop keeping the app alive forever, a re-entrant before-quit starting a
 * second stop, and a user's second quit being ignored.
 */
import { describe, expect, it } from 'vitest'
import { FakeEvent } from '../../../tests/support/fake-electron'
import { QuitSequence, type QuitSequenceOptions } from './lifecycle'

/** A runtime stop the test finishes, with the calls the sequence made. */
function harness(overrides: Partial<QuitSequenceOptions> = {}) {
  const calls: string[] = []
  let finishStop: (err?: Error) => void = () => undefined
  let deadline: (() => void) | undefined
  let quitDone: () => void = () => undefined
  const settled = new Promise<void>((resolve) => (quitDone = resolve))
  const seq = new QuitSequence({
    stopRuntime: (graceMs) => {
      calls.push(`stop(${graceMs})`)
      return new Promise<void>((resolve, reject) => {
        finishStop = (err) => (err ? reject(err) : resolve())
      })
    },
    quit: () => {
      calls.push('quit')
      quitDone()
    },
    exit: (code) => {
      calls.push(`exit(${code})`)
      quitDone()
    },
    graceMs: 3000,
    deadlineMs: 8000,
    setTimer: (fn, ms) => {
      calls.push(`timer(${ms})`)
      deadline = fn
      return { clear: () => calls.push('timer cleared') }
    },
    ...overrides
  })
  return {
    seq,
    calls,
    settled,
    finishStop: (err?: Error) => finishStop(err),
    fireDeadline: () => deadline?.()
  }
}

describe('QuitSequence', () => {
  it('holds the first quit, drains the runtime with the grace, then quits for real', async () => {
    const h = harness()
    const first = new FakeEvent()
    h.seq.onBeforeQuit(first)
    expect(first.defaultPrevented).toBe(true)
    expect(h.seq.state).toBe('stopping')
    expect(h.seq.isQuitting).toBe(true)
    expect(h.calls).toEqual(['timer(8000)', 'stop(3000)'])
    h.finishStop()
    await h.settled
    expect(h.calls).toEqual(['timer(8000)', 'stop(3000)', 'timer cleared', 'quit'])
    // app.quit() runs before-quit again: now it must pass.
    const second = new FakeEvent()
    h.seq.onBeforeQuit(second)
    expect(second.defaultPrevented).toBe(false)
    expect(h.calls.filter((c) => c.startsWith('stop'))).toHaveLength(1)
  })

  it('a second quit request while stopping exits at once, without a second stop', async () => {
    const h = harness()
    h.seq.onBeforeQuit(new FakeEvent())
    const again = new FakeEvent()
    h.seq.onBeforeQuit(again)
    expect(again.defaultPrevented).toBe(true)
    await h.settled
    expect(h.calls).toEqual(['timer(8000)', 'stop(3000)', 'exit(0)'])
  })

  it('a stop that hangs is cut at the deadline: exit(1), no quit', async () => {
    const h = harness()
    h.seq.onBeforeQuit(new FakeEvent())
    h.fireDeadline()
    await h.settled
    expect(h.calls).toEqual(['timer(8000)', 'stop(3000)', 'timer cleared', 'exit(1)'])
    expect(h.seq.state).toBe('stopped')
  })

  it('a stop that fails still quits (the failure is reported)', async () => {
    const problems: string[] = []
    const h = harness({ onProblem: (m) => problems.push(m) })
    h.seq.onBeforeQuit(new FakeEvent())
    h.finishStop(new Error('trace writer: disk full'))
    await h.settled
    expect(h.calls.at(-1)).toBe('quit')
    expect(problems).toEqual(['the runtime failed to stop cleanly'])
  })

  it('with real timers, a never-ending stop still ends at the deadline', async () => {
    let exited: (code: number) => void = () => undefined
    const code = new Promise<number>((resolve) => (exited = resolve))
    const seq = new QuitSequence({
      stopRuntime: () => new Promise(() => undefined),
      quit: () => exited(-1),
      exit: exited,
      graceMs: 5,
      deadlineMs: 20
    })
    seq.onBeforeQuit(new FakeEvent())
    expect(await code).toBe(1)
  })
})
