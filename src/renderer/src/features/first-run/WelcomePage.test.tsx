// @vitest-environment happy-dom
/** The Welcome page's states over the fake platform; each `it` names the bug it would catch. */
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { OutputOf } from '../../../../shared/contract/routes'
import { FakeError } from '../../platform/fake-client'
import {
  cleanPagesBetweenTests,
  alerts,
  deferred,
  openPage,
  type Rendered
} from '../../test/render-app'

let r: Rendered | undefined
cleanPagesBetweenTests()

const tiny = {
  name: 'tiny',
  description: 'A small model',
  source: 'hf://org/repo/tiny.gguf',
  fileName: 'tiny.gguf',
  sizeBytes: 400e6
}

describe('Welcome page states', () => {
  it('empty: three ways to start, none chosen; a server without a catalog says so', async () => {
    r = await openPage('welcome')
    const choices = screen.getByRole('radiogroup', { name: 'How to start' })
    expect(within(choices).getAllByRole('radio')).toHaveLength(3)
    expect(screen.getByText('Choose one of the three above.')).toBeTruthy()
    fireEvent.click(screen.getByTestId('choice-starter'))
    expect(await screen.findByText('No starter model is known to this server.')).toBeTruthy()
    expect(screen.queryByTestId('download-starter')).toBeNull()
  })

  it('loading: "Reading the catalog…" until it answers, then the download button', async () => {
    const catalog = deferred<OutputOf<'models.catalog'>>()
    r = await openPage('welcome', { 'models.catalog': () => catalog.promise })
    fireEvent.click(screen.getByTestId('choice-starter'))
    expect(await screen.findByText('Reading the catalog…')).toBeTruthy()
    await act(async () => catalog.resolve({ models: [tiny] }))
    expect(screen.getByTestId('download-starter').textContent).toMatch(/tiny \(400(\.0)? MB\)/)
  })

  it('error: an unreadable catalog is an alert naming it, and the other ways stay open', async () => {
    r = await openPage('welcome', {
      'models.catalog': () => {
        throw new FakeError('upstream_error', 'catalog.json is not JSON')
      }
    })
    fireEvent.click(screen.getByTestId('choice-starter'))
    await waitFor(() =>
      expect(alerts()).toEqual([
        expect.stringContaining('Could not read the model catalog: catalog.json is not JSON')
      ])
    )
    expect(screen.queryByText('Reading the catalog…')).toBeNull()
    fireEvent.click(screen.getByTestId('choice-example'))
    expect(screen.getByTestId('choice-example').getAttribute('aria-checked')).toBe('true')
  })

  it('populated: the catalog entry to download, and the finished set-up with the address', async () => {
    r = await openPage('welcome', {
      'models.catalog': () => ({ models: [tiny] }),
      'models.pull': () => ({ pullId: 'p1' })
    })
    fireEvent.click(screen.getByTestId('choice-starter'))
    const entry = await screen.findByTestId('catalog-entry')
    expect((entry as HTMLInputElement).checked).toBe(true)
    expect(screen.getByTestId('catalog').textContent).toMatch(/tiny · 400(\.0)? MB.*A small model/s)
    fireEvent.click(screen.getByTestId('download-starter'))
    await waitFor(() =>
      expect(r!.platform.calls.find((c) => c.route === 'models.pull')?.input).toEqual({
        source: tiny.source,
        runner: 'llama-cpp'
      })
    )
    act(() => r!.stores.firstRun.setState({ created: 'assistant' }))
    const done = await screen.findByTestId('first-run-done')
    expect(done.textContent).toContain('http://127.0.0.1:43117/v1')
  })
})
