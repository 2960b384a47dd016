// @vitest-environment happy-dom
/** The Pipelines page's states over the fake platform; each `it` names the bug it would catch. */
import { act, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { OutputOf } from '../../../../shared/contract/routes'
import { FakeError } from '../../platform/fake-client'
import {
  alerts,
  cleanPagesBetweenTests,
  deferred,
  go,
  openPage,
  renderApp,
  summary,
  type Rendered
} from '../../test/render-app'

let r: Rendered | undefined
cleanPagesBetweenTests()

describe('Pipelines page states', () => {
  it('empty: says there is none and offers the import panel and the welcome screen', async () => {
    r = await openPage('pipelines', { 'pipelines.list': () => ({ pipelines: [] }) })
    expect(screen.getByText('No pipelines yet')).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Open the welcome screen' })).toBeTruthy()
    expect(screen.getByTestId('import')).toBeTruthy()
    expect(screen.queryByTestId('pipeline-list')).toBeNull()
  })

  it('loading: "Connecting…" until the list answers, never "No pipelines yet" meanwhile', async () => {
    const list = deferred<OutputOf<'pipelines.list'>>()
    window.location.hash = '#/pipelines'
    r = renderApp({ 'pipelines.list': () => list.promise })
    expect(await screen.findByText('Connecting…')).toBeTruthy()
    expect(document.querySelector('.app')?.getAttribute('data-app-state')).toBe('loading')
    expect(screen.queryByText('No pipelines yet')).toBeNull()
    await act(async () => list.resolve({ pipelines: [summary('p')] }))
    const items = await screen.findByTestId('pipeline-list')
    expect(within(items).getByText('p')).toBeTruthy()
  })

  it('error: a list that fails says why, once, and the page still opens', async () => {
    r = await openPage('pipelines', {
      'pipelines.list': () => {
        throw new FakeError('internal_error', 'database is locked')
      }
    })
    expect(alerts()).toEqual([
      expect.stringContaining('Could not list pipelines: database is locked')
    ])
    expect(screen.getByRole('heading', { level: 1, name: 'Pipelines' })).toBeTruthy()
  })

  it('populated: each pipeline with its state, version and default badge; a click opens it', async () => {
    r = await openPage('pipelines', {
      'pipelines.list': () => ({
        pipelines: [
          summary('support', { isDefault: true, version: 3 }),
          summary('broken', { status: 'error', error: 'bad adapter', version: 1 })
        ]
      })
    })
    const list = screen.getByTestId('pipeline-list')
    const support = within(list).getByText('support').closest('a')!
    expect(support.textContent).toMatch(/default.*loaded · v3/s)
    expect(within(list).getByText('broken').closest('a')!.textContent).toMatch(/error · v1/)
    expect(screen.getByText('Pick a pipeline')).toBeTruthy()
    act(() => go('pipelines/support'))
    await waitFor(() => expect(r!.stores.pipelines.getState().draft?.name).toBe('support'))
    expect(support.getAttribute('aria-current')).toBe('page')
  })
})
