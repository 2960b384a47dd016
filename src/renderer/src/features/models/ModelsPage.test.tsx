// @vitest-environment happy-dom
/** The Models page's states over the fake platform; each `it` names the bug it would catch. */
import { act, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { OutputOf } from '../../../../shared/contract/routes'
import { FakeError } from '../../platform/fake-client'
import { cleanPagesBetweenTests, alerts, deferred, openPage, runtime } from '../../test/render-app'

cleanPagesBetweenTests()

describe('Models page states', () => {
  it('empty: says no model runs and no file is here, and still offers a download', async () => {
    await openPage('models')
    await screen.findByText('No model is running')
    expect(screen.getByText('No model files yet')).toBeTruthy()
    expect(screen.getByLabelText('Model source')).toBeTruthy()
    // Ollama absent: said plainly, with a way to check again.
    const ollama = screen.getByTestId('ollama')
    await waitFor(() => expect(ollama.textContent).toContain('Not installed'))
    expect(within(ollama).getByRole('button', { name: 'Check again' })).toBeTruthy()
  })

  it('loading: says so instead of claiming nothing runs before the list answered', async () => {
    const list = deferred<OutputOf<'models.list'>>()
    const ollama = deferred<OutputOf<'models.ollama_status'>>()
    await openPage('models', {
      'models.list': () => list.promise,
      'models.ollama_status': () => ollama.promise
    })
    expect(screen.getAllByText('Loading…')).toHaveLength(2)
    expect(screen.queryByText('No model is running')).toBeNull()
    expect(screen.queryByText('No model files yet')).toBeNull()
    expect(within(screen.getByTestId('ollama')).getByText('Checking…')).toBeTruthy()
    await act(async () => list.resolve({ runtime: [runtime()], local: [], pulls: [] }))
    expect(screen.queryByText('Loading…')).toBeNull()
    expect(screen.getByTestId('runtime-table')).toBeTruthy()
  })

  it('error: the failure shows once as an alert naming what failed; the page stays usable', async () => {
    await openPage('models', {
      'models.list': () => {
        throw new FakeError('internal_error', 'database is locked')
      }
    })
    await waitFor(() =>
      expect(alerts()).toEqual([
        expect.stringContaining('Could not list models: database is locked')
      ])
    )
    expect(screen.queryByText('Loading…')).toBeNull()
    expect(screen.getByRole('button', { name: 'Download' })).toBeTruthy()
  })

  it('populated: running models with state, memory and speed; files with size and status', async () => {
    await openPage('models', {
      'models.list': () => ({
        runtime: [
          runtime({
            key: 'tiny',
            memory: { ramBytes: 512e6, vramBytes: 0 },
            source: '/models/tiny-q4.gguf'
          })
        ],
        local: [
          {
            name: 'tiny-q4.gguf',
            runner: 'llama-cpp',
            sizeBytes: 400e6,
            path: '/models/tiny-q4.gguf'
          }
        ],
        pulls: []
      })
    })
    const running = await screen.findByTestId('runtime-table')
    expect(running.textContent).toMatch(/tiny.*llama-cpp.*ready.*512(\.0)? MB.*CPU.*12\.5 tok\/s/s)
    expect(within(running).getByRole('button', { name: 'Unload' })).toBeTruthy()
    const files = screen.getByTestId('local-table')
    expect(files.textContent).toMatch(/tiny-q4\.gguf.*400(\.0)? MB/s)
    expect(within(files).getByRole('button', { name: 'Delete' })).toBeTruthy()
  })
})
