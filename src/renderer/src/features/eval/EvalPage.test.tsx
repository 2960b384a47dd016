// @vitest-environment happy-dom
/**
 * The Eval page over the fake platform's `evals` domain: its states (loading, error, empty,
 * populated), editing a set with marks at the wrong line, a run with live progress and its
 * report (the confusion grid, precision and recall, failed cases), a run against a stored
 * version side by side, and the history's accuracy up or down.
 */
import { act, cleanup, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeError } from '../../platform/fake-client'
import { fakeEvals } from '../../platform/fake-evals'
import { EvalPage } from './EvalPage'
import { CASES, pipelineSummary, renderWith, reportFor } from './test-support'

afterEach(cleanup)

const pipelines = {
  'pipelines.list': () => ({
    pipelines: [pipelineSummary('support', 3), pipelineSummary('other')]
  }),
  'pipelines.versions': ({ name }: { name: string }) => ({
    versions:
      name === 'support'
        ? [1, 2, 3].map((version) => ({ version, createdAt: 1, message: null, sizeBytes: 10 }))
        : []
  })
}

/** The grid's cell for expected `e` and actual `a`. */
const cell = (grid: HTMLElement, e: string, a: string): HTMLElement => {
  const td = grid.querySelector<HTMLElement>(`td[data-expected="${e}"][data-actual="${a}"]`)
  if (!td) throw new Error(`no cell ${e}→${a}`)
  return td
}

describe('the Eval page', () => {
  it('shows loading until the list answers, then the sets', async () => {
    let answer: (v: unknown) => void = () => undefined
    const evals = fakeEvals({ sets: { support: CASES } })
    const list = evals.handlers['evals.list']!
    await renderWith(
      {
        ...pipelines,
        ...evals.handlers,
        'evals.list': () => new Promise((r) => (answer = () => r(list({} as never))))
      },
      <EvalPage />
    )
    expect(screen.getByTestId('eval-loading').textContent).toMatch(/Loading sets/)
    await act(async () => answer(undefined))
    const row = await screen.findByText('support')
    expect(row.closest('tr')?.textContent).toContain('4')
    expect(screen.queryByTestId('eval-loading')).toBeNull()
  })

  it('shows why the list failed, and Retry loads it', async () => {
    const evals = fakeEvals({ sets: { support: CASES } })
    let fail = true
    await renderWith(
      {
        ...pipelines,
        ...evals.handlers,
        'evals.list': (i) => {
          if (fail) throw new FakeError('internal_error', 'database is locked')
          return evals.handlers['evals.list']!(i as never) as never
        }
      },
      <EvalPage />
    )
    const alert = await screen.findByTestId('eval-error')
    expect(alert.textContent).toContain('database is locked')
    fail = false
    await userEvent.click(within(alert).getByRole('button', { name: 'Retry' }))
    await screen.findByText('support')
    expect(screen.queryByTestId('eval-error')).toBeNull()
  })

  it('empty: says what a set is and where cases come from; a new set opens in the editor', async () => {
    const evals = fakeEvals()
    await renderWith({ ...pipelines, ...evals.handlers }, <EvalPage />)
    const empty = await screen.findByTestId('empty-state')
    expect(empty.textContent).toContain('No evaluation sets')
    expect(within(empty).getByRole('link').getAttribute('href')).toBe('#/requests')
    await userEvent.type(screen.getByTestId('new-set-name'), 'routing')
    await userEvent.click(screen.getByTestId('new-set'))
    const set = await screen.findByTestId('eval-set')
    expect(set.textContent).toContain('routing')
    expect(screen.getByTestId('set-status').textContent).toContain('new')
  })

  it('populated: each set with its cases and the last run accuracy', async () => {
    const evals = fakeEvals({ sets: { support: CASES, empty: '' } })
    const { id } = evals.handlers['evals.run']!({
      set: 'support',
      target: { pipeline: 'support' },
      concurrency: 4
    } as never) as { id: string }
    evals.finish(id, reportFor('support', ['billing', 'tech', 'tech', 'tech']))
    await renderWith({ ...pipelines, ...evals.handlers }, <EvalPage />)
    const table = await screen.findByTestId('eval-sets')
    const support = table.querySelector('tr[data-set="support"]') as HTMLElement
    expect(support.textContent).toContain('3 / 4')
    expect(within(support).getByTestId('set-accuracy').textContent).toBe('75.0 %')
    const empty = table.querySelector('tr[data-set="empty"]') as HTMLElement
    expect(empty.textContent).toContain('never')
    expect(within(empty).getByTestId('set-accuracy').textContent).toBe('—')
  })

  it('marks a bad line in the editor and the list, refuses to save it, saves once fixed', async () => {
    const evals = fakeEvals({ sets: { support: CASES } })
    const { stores } = await renderWith({ ...pipelines, ...evals.handlers }, <EvalPage />)
    await userEvent.click(await screen.findByText('support'))
    await screen.findByTestId('eval-set')
    expect(screen.getByTestId('set-status').textContent).toContain('4 cases')
    const bad = CASES.replace('"id":"b2","input"', '"id":"b2","inptu"')
    act(() => stores.evals.getState().setText(bad))
    const diags = await screen.findByTestId('diagnostics')
    expect(diags.textContent).toMatch(/line 2:\d+/)
    expect(diags.textContent).toContain('inptu')
    // The editor carries the mark on line 2 and nowhere else.
    await waitFor(() => {
      const lines = [...document.querySelectorAll('.cm-content .cm-line')]
      const marked = lines.flatMap((l, i) =>
        l.querySelector('.cm-lintRange-error') ? [i + 1] : []
      )
      expect(marked).toEqual([2])
    })
    expect((screen.getByTestId('save-set') as HTMLButtonElement).disabled).toBe(true)
    act(() => stores.evals.getState().setText(`${CASES}\n{"id":"t3","input":"wifi"}`))
    await waitFor(() => expect(screen.queryByTestId('diagnostics')).toBeNull())
    await userEvent.click(screen.getByTestId('save-set'))
    await waitFor(() => expect(evals.sets.get('support')?.text).toContain('"t3"'))
    expect(screen.getByTestId('set-status').textContent).toContain('5 cases')
  })

  it('shows the server diagnostics when main refuses the save', async () => {
    const evals = fakeEvals({ sets: { support: CASES } })
    const { stores } = await renderWith(
      {
        ...pipelines,
        ...evals.handlers,
        'evals.save': () => {
          throw new FakeError('invalid_request', 'line 3:1: duplicate id "t1"', {
            diagnostics: [
              {
                severity: 'error',
                code: 'duplicate-id',
                message: 'duplicate id "t1"',
                path: [],
                line: 3,
                column: 1
              }
            ]
          })
        }
      },
      <EvalPage />
    )
    await userEvent.click(await screen.findByText('support'))
    await screen.findByTestId('eval-set')
    act(() => stores.evals.getState().setText(`${CASES}\n`))
    await userEvent.click(screen.getByTestId('save-set'))
    expect((await screen.findByTestId('diagnostics')).textContent).toContain(
      'line 3:1 duplicate id "t1"'
    )
    expect((await screen.findByRole('alert')).textContent).toContain('duplicate id')
  })

  it('runs a set with live progress, then shows the report with the confusion grid', async () => {
    const evals = fakeEvals({ sets: { support: CASES } })
    const { platform } = await renderWith({ ...pipelines, ...evals.handlers }, <EvalPage />)
    await userEvent.click(await screen.findByText('support'))
    await screen.findByTestId('eval-set')
    expect(screen.getByText('Not run yet.')).toBeTruthy()
    await userEvent.click(screen.getByTestId('run-set'))
    await waitFor(() => expect(evals.runs).toHaveLength(1))
    const runInput = platform.calls.find((c) => c.route === 'evals.run')?.input
    expect(runInput).toEqual({ set: 'support', target: { pipeline: 'support' } })
    const id = evals.runs[0]!.id

    act(() => platform.emit('eval.progress', { id, done: 2, total: 4, passed: 1 }))
    const progress = await screen.findByTestId('eval-progress')
    expect(progress.textContent).toContain('2 of 4 cases · 1 passed')
    expect(progress.querySelector('progress')?.getAttribute('value')).toBe('2')
    expect((screen.getByTestId('run-set') as HTMLButtonElement).disabled).toBe(true)

    const done = evals.finish(id, reportFor('support', ['billing', 'tech', 'tech', 'tech']))
    act(() => platform.emit('eval.done', done))
    const report = await screen.findByTestId('eval-report')
    expect(screen.queryByTestId('eval-progress')).toBeNull()
    expect(within(report).getByTestId('report-passed').textContent).toBe('3 / 4')
    expect(within(report).getByTestId('report-accuracy').textContent).toContain('75.0 %')

    // Rows expected, columns taken: billing→billing 1, billing→tech 1, tech→tech 2.
    const grid = within(report).getByTestId('confusion-grid')
    const rows = [...grid.querySelectorAll('tbody th[scope="row"]')].map((h) => h.textContent)
    const cols = [...grid.querySelectorAll('thead th[scope="col"]')]
      .slice(1)
      .map((h) => h.textContent)
    expect(rows).toEqual(['billing', 'tech'])
    expect(cols).toEqual(['billing', 'tech'])
    expect(cell(grid, 'billing', 'billing').textContent).toBe('1')
    expect(cell(grid, 'billing', 'tech').textContent).toBe('1')
    expect(cell(grid, 'tech', 'billing').textContent).toBe('0')
    expect(cell(grid, 'tech', 'tech').textContent).toBe('2')
    expect(cell(grid, 'tech', 'tech').className).toContain('diagonal')
    expect(cell(grid, 'billing', 'billing').className).toContain('diagonal')
    expect(cell(grid, 'billing', 'tech').className).toContain('miss')
    expect(cell(grid, 'tech', 'billing').className).not.toMatch(/diagonal|miss/)

    // billing: 1 of 1 taken right (precision 100 %), 1 of 2 found (recall 50 %); tech 2/3, 2/2.
    const perRoute = within(report).getByTestId('per-route')
    const billing = within(perRoute).getByText('billing').closest('tr')?.textContent
    const tech = within(perRoute).getByText('tech').closest('tr')?.textContent
    expect(billing).toContain('100.0 %50.0 %')
    expect(tech).toContain('66.7 %100.0 %')

    const failed = within(report).getByTestId('failed-cases')
    expect(failed.textContent).toContain('b2')
    expect(failed.textContent).toContain('expected billing, took router → tech → output')
    expect(failed.textContent).not.toContain('t1')
    // The history lists the run, open.
    const history = await screen.findByTestId('run-history')
    expect(history.querySelector('tr.selected')?.textContent).toContain('75.0 %')
  })

  it('runs against a stored version: both reports side by side and the changed cases', async () => {
    const evals = fakeEvals({ sets: { support: CASES } })
    const { platform } = await renderWith({ ...pipelines, ...evals.handlers }, <EvalPage />)
    await userEvent.click(await screen.findByText('support'))
    await screen.findByTestId('eval-set')
    await userEvent.click(screen.getByTestId('compare'))
    await userEvent.selectOptions(screen.getByTestId('against-pipeline'), 'support')
    await waitFor(() =>
      expect(screen.getByTestId('against-version').querySelectorAll('option')).toHaveLength(4)
    )
    await userEvent.selectOptions(screen.getByTestId('against-version'), '2')
    await userEvent.click(screen.getByTestId('run-set'))
    await waitFor(() => expect(evals.runs).toHaveLength(1))
    expect(platform.calls.find((c) => c.route === 'evals.run')?.input).toEqual({
      set: 'support',
      target: { pipeline: 'support' },
      against: { pipeline: 'support', version: 2 }
    })
    const id = evals.runs[0]!.id
    const done = evals.finish(
      id,
      reportFor('support', ['billing', 'tech', 'tech', 'tech']),
      reportFor('support@v2', ['billing', 'billing', 'billing', 'tech'])
    )
    act(() => platform.emit('eval.done', done))
    const reports = await screen.findAllByTestId('eval-report')
    expect(reports).toHaveLength(2)
    expect(within(reports[0]!).getByRole('heading').textContent).toBe('support')
    expect(within(reports[1]!).getByRole('heading').textContent).toBe('support@v2')
    expect(within(reports[1]!).getByTestId('report-accuracy').textContent).toContain('75.0 %')
    expect(
      cell(within(reports[1]!).getByTestId('confusion-grid'), 'tech', 'billing').textContent
    ).toBe('1')
    // b2 passes only on v2, t1 only on the served one.
    const changed = screen.getByTestId('changed-cases')
    const rows = [...changed.querySelectorAll('tbody tr')].map((r) => r.textContent)
    expect(rows).toEqual(['b2failed · techpassed · billing', 't1passed · techfailed · billing'])
  })

  it('history: each run openable, with accuracy up or down from the run before', async () => {
    const evals = fakeEvals({ sets: { support: CASES } })
    const start = (): string =>
      (
        evals.handlers['evals.run']!({
          set: 'support',
          target: { pipeline: 'support' },
          concurrency: 4
        } as never) as { id: string }
      ).id
    const first = start()
    evals.finish(first, reportFor('support', ['billing', 'billing', 'tech', 'tech']))
    const second = start()
    evals.finish(second, reportFor('support', ['billing', 'tech', 'tech', 'tech']))
    const third = start()
    evals.finish(third, reportFor('support', ['billing', 'billing', 'tech', 'tech']))
    await renderWith({ ...pipelines, ...evals.handlers }, <EvalPage />)
    await userEvent.click(await screen.findByText('support'))
    const history = await screen.findByTestId('run-history')
    const delta = (id: string): string | null | undefined =>
      history.querySelector(`tr[data-run="${id}"] [data-testid="run-delta"]`)?.textContent
    expect(delta(third)).toBe('▲ up 25 pts')
    expect(delta(second)).toBe('▼ down 25 pts')
    expect(delta(first)).toBe('—')
    await userEvent.click(
      within(history.querySelector(`tr[data-run="${second}"]`)!).getByRole('button')
    )
    const report = await screen.findByTestId('eval-report')
    expect(within(report).getByTestId('report-accuracy').textContent).toContain('75.0 %')
  })
})
