// @vitest-environment happy-dom
/** The Requests page's states over the fake platform; each `it` names the bug it would catch. */
import { act, fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { OutputOf } from '../../../../shared/contract/routes'
import { FakeError } from '../../platform/fake-client'
import { trace } from '../../stores/test-helpers'
import { cleanPagesBetweenTests, alerts, deferred, openPage } from '../../test/render-app'

cleanPagesBetweenTests()

/** A trace as `traces.list` gives it (no hops). */
const listed = (t: ReturnType<typeof trace>) => {
  const { hops: _hops, ...rest } = t
  return rest
}

describe('Requests page states', () => {
  it('empty: says nothing is logged yet and points at the chat tester', async () => {
    await openPage('requests')
    expect(await screen.findByText('No requests logged')).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Open the chat tester' }).getAttribute('href')).toBe(
      '#/chat'
    )
    expect(screen.queryByTestId('trace-table')).toBeNull()
  })

  it('loading: says so, not "No requests logged" and not an empty table', async () => {
    const list = deferred<OutputOf<'traces.list'>>()
    await openPage('requests', { 'traces.list': () => list.promise })
    expect(screen.getByText('Loading…')).toBeTruthy()
    expect(screen.queryByText('No requests logged')).toBeNull()
    expect(screen.queryByTestId('trace-table')).toBeNull()
    await act(async () =>
      list.resolve({ traces: [listed(trace('t1', ['router', 'billing']))], nextCursor: null })
    )
    expect(screen.queryByText('Loading…')).toBeNull()
    expect(screen.getByTestId('trace-table')).toBeTruthy()
  })

  it('error: the failure is an alert naming it, and the filters stay usable', async () => {
    await openPage('requests', {
      'traces.list': () => {
        throw new FakeError('internal_error', 'database is locked')
      }
    })
    await screen.findByText('No requests logged')
    expect(alerts()).toEqual([
      expect.stringContaining('Could not list requests: database is locked')
    ])
    expect((screen.getByTestId('filter-status') as HTMLSelectElement).disabled).toBe(false)
  })

  it('populated: one row per request with route, status and tokens; a click opens its detail', async () => {
    const ok = trace('t1', ['router', 'billing'])
    const failed = trace('t2', ['router'], {
      status: 'error',
      error: { code: 'upstream_error', message: 'HTTP 502' }
    })
    await openPage('requests', {
      'traces.list': () => ({ traces: [listed(ok), listed(failed)], nextCursor: 'next' }),
      'traces.get': ({ id }) => (id === 't1' ? ok : failed)
    })
    const table = await screen.findByTestId('trace-table')
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(2)
    expect(rows[0]!.textContent).toMatch(/router → billing.*ok.*2$/s)
    expect(rows[1]!.textContent).toContain('upstream_error')
    expect(screen.getByRole('button', { name: 'Load more' })).toBeTruthy()
    fireEvent.click(within(rows[0]!).getByRole('button'))
    const detail = await screen.findByTestId('trace-detail')
    expect(within(detail).getByTestId('route-nodes').textContent).toBe('router → billing')
  })
})
