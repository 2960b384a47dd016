import { describe, expect, it } from 'vitest'
import { fakeEvals } from '../platform/fake-evals'
import { CASES, reportFor } from '../features/eval/test-fixtures'
import { setup, until } from './test-helpers'

/** Stores over the fake evals domain, with `evals.run` answering only when `release` is called. */
function held() {
  const evals = fakeEvals({ sets: { support: CASES, other: CASES } })
  let release: () => void = () => undefined
  const run = evals.handlers['evals.run']!
  const s = setup({
    ...evals.handlers,
    'evals.run': (input) => {
      const out = run(input as never)
      return new Promise((r) => (release = () => r(out as never)))
    }
  })
  s.evals.getState().attach()
  return { s, evals, release: () => release() }
}

describe('evals store', () => {
  it('a run that ends before evals.run answers is shown, not left running', async () => {
    const { s, evals, release } = held()
    await s.evals.getState().open('support')
    const started = s.evals.getState().start({ pipeline: 'support' })
    await until(() => evals.runs.length === 1)
    const id = evals.runs[0]!.id
    s.platform.emit('eval.progress', { id, done: 4, total: 4, passed: 3 })
    expect(s.evals.getState().active?.done).toBe(4)
    s.platform.emit(
      'eval.done',
      evals.finish(id, reportFor('support', ['billing', 'tech', 'tech', 'tech']))
    )
    release()
    await started
    await until(() => s.evals.getState().run !== null)
    expect(s.evals.getState().active).toBeNull()
    expect(s.evals.getState().run?.accuracy).toBe(0.75)
  })

  it('even when no progress came first', async () => {
    const { s, evals, release } = held()
    await s.evals.getState().open('support')
    const started = s.evals.getState().start({ pipeline: 'support' })
    await until(() => evals.runs.length === 1)
    const id = evals.runs[0]!.id
    s.platform.emit('eval.done', evals.finish(id, reportFor('support', ['billing'])))
    release()
    await started
    expect(s.evals.getState().active).toBeNull()
    await until(() => s.evals.getState().run?.id === id)
  })

  it("ignores another client's run (the CLI on the same app) when none was started here", async () => {
    const { s } = held()
    await s.evals.getState().open('other')
    s.platform.emit('eval.progress', { id: 'cli-run', done: 1, total: 9, passed: 1 })
    expect(s.evals.getState().active).toBeNull()
  })

  it('validates the draft as it is typed, with the line of the bad case', async () => {
    const { s } = held()
    await s.evals.getState().open('support')
    s.evals.getState().setText(`${CASES}\n{"id":"x","input":"y","expect":{"rout":"a"}}`)
    const d = s.evals.getState().draft!
    expect(d.cases).toBe(4)
    expect(d.diagnostics.map((x) => [x.severity, x.line])).toEqual([['error', 5]])
    expect(await s.evals.getState().save()).toBe(false)
  })

  it('a new set with a taken name opens that set instead of a blank one', async () => {
    const { s } = held()
    await s.evals.getState().refresh()
    s.evals.getState().newSet('support')
    await until(() => s.evals.getState().draft?.text === CASES)
    expect(s.evals.getState().draft?.isNew).toBe(false)
    s.evals.getState().newSet('fresh')
    expect(s.evals.getState().draft).toMatchObject({ name: 'fresh', isNew: true, text: '' })
  })

  it('cancel stops the run it started; the cancelled end clears the progress', async () => {
    const { s, evals, release } = held()
    await s.evals.getState().open('support')
    const started = s.evals.getState().start({ pipeline: 'support' })
    await until(() => evals.runs.length === 1)
    release()
    await started
    const id = s.evals.getState().active!.id
    await s.evals.getState().cancel()
    expect(s.platform.calls.at(-1)).toEqual({ route: 'evals.cancel', input: { id } })
    expect(evals.runs[0]!.status).toBe('cancelled')
    const { report: _r, againstReport: _a, changed: _c, ...summary } = evals.runs[0]!
    s.platform.emit('eval.done', summary)
    expect(s.evals.getState().active).toBeNull()
  })
})
