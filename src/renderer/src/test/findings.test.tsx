// @vitest-environment happy-dom
/**
 * The first-user findings, each as a component test of the real pages over the fake platform:
 * each `it` names the bug it catches.
 */
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_SETTINGS } from '../../../shared/contract/settings'
import { FakeError } from '../platform/fake-client'
import { trace } from '../stores/test-helpers'
import { ERROR_TOAST_MS } from '../stores/toast-store'
import { cleanPagesBetweenTests, go, openPage, runtime, summary } from './render-app'

cleanPagesBetweenTests()
beforeEach(() => {
  document.title = ''
})
afterEach(() => {
  vi.useRealTimers()
})

describe('3. toasts', () => {
  it('shows the same error once, not twice', async () => {
    const s = await openPage('settings')
    const err = { code: 'internal_error' as const, message: 'disk full' }
    act(() => {
      s.stores.toasts.getState().error(err, 'Could not list models')
      s.stores.toasts.getState().error(err, 'Could not list models')
    })
    expect(screen.getAllByRole('alert')).toHaveLength(1)
  })

  it('drops an old "not saved" when "saved" arrives for the same settings', async () => {
    let fail = true
    const s = await openPage('settings', {
      'settings.set': () => {
        if (fail) throw new FakeError('invalid_request', 'port: too big')
        return DEFAULT_SETTINGS
      }
    })
    await act(() =>
      s.stores.settings.getState().save({ server: { port: 8081 } }, 'Server settings')
    )
    expect(screen.getByRole('alert').textContent).toContain('Server settings not saved')
    fail = false
    await act(() =>
      s.stores.settings.getState().save({ server: { port: 8081 } }, 'Server settings')
    )
    expect(screen.queryByRole('alert')).toBeNull()
    expect(screen.getByTestId('toasts').textContent).toContain('Server settings saved')
  })

  it('lets an error go by itself instead of staying over the page for ever', async () => {
    const s = await openPage('settings')
    vi.useFakeTimers()
    act(() => s.stores.toasts.getState().push('error', 'boom'))
    expect(screen.getByRole('alert')).toBeTruthy()
    act(() => vi.advanceTimersByTime(ERROR_TOAST_MS))
    expect(screen.queryByRole('alert')).toBeNull()
  })
})

describe('6 and 7. Settings', () => {
  it('shows the port the server runs on and says the saved one differs', async () => {
    await openPage('settings')
    const running = await screen.findByTestId('running-address')
    expect(running.textContent).toContain('http://127.0.0.1:43117')
    expect(screen.getByTestId('port-differs').textContent).toMatch(/127\.0\.0\.1:43117.*8080/s)
  })

  it('says nothing about a difference when the server runs on the saved port', async () => {
    await openPage('settings', {
      'settings.get': () => ({
        ...DEFAULT_SETTINGS,
        server: { ...DEFAULT_SETTINGS.server, port: 43117 }
      })
    })
    await screen.findByTestId('running-address')
    expect(screen.queryByTestId('port-differs')).toBeNull()
  })

  it('forgets the "shown once" token when the page is left', async () => {
    const s = await openPage('settings', {
      'access.create': ({ name }) => ({
        app: {
          name,
          hint: 'abcd',
          origin: 'created',
          createdAt: 1,
          lastUsedAt: null,
          revokedAt: null
        },
        token: 'abcdefghijklmnopqrstuvwxyz'
      })
    })
    await act(() => s.stores.settings.getState().createToken('web'))
    expect(screen.getByTestId('revealed-token').textContent).toContain('abcdefghijklmnop')
    act(() => go('models'))
    await screen.findByTestId('page-models')
    act(() => go('settings'))
    await screen.findByTestId('page-settings')
    expect(screen.queryByTestId('revealed-token')).toBeNull()
  })
})

describe('8 and 10. Requests', () => {
  it('shows the app that sent each request, in the list and in the trace', async () => {
    const t = trace('t1', ['router', 'billing'], { app: 'open-webui', pipeline: 'p' })
    await openPage('requests', {
      'traces.list': () => ({
        traces: [{ ...t, hops: undefined }].map(({ hops: _h, ...x }) => x),
        nextCursor: null
      }),
      'traces.get': () => t
    })
    const cell = await screen.findByTestId('trace-app-cell')
    expect(cell.textContent).toBe('open-webui')
    fireEvent.click(within(screen.getByTestId('trace-table')).getAllByRole('button')[0]!)
    expect((await screen.findByTestId('trace-app')).textContent).toContain('open-webui')
  })

  it('says the filters match nothing, not that nothing is logged', async () => {
    const s = await openPage('requests')
    await screen.findByText('No requests logged')
    await act(() => s.stores.traces.getState().setFilters({ status: 'error' }))
    expect(screen.queryByText('No requests logged')).toBeNull()
    expect(screen.getByText('No request matches these filters')).toBeTruthy()
    fireEvent.click(screen.getByTestId('clear-filters'))
    await screen.findByText('No requests logged')
  })

  it('offers the node filter as a choice of the pipelines’ node names', async () => {
    const s = await openPage('requests')
    const select = screen.getByTestId('filter-node') as HTMLSelectElement
    await waitFor(() =>
      expect([...select.options].map((o) => o.value)).toEqual(
        expect.arrayContaining(['', 'billing', 'router', 'tech'])
      )
    )
    fireEvent.change(select, { target: { value: 'billing' } })
    await waitFor(() => expect(s.stores.traces.getState().filters.node).toBe('billing'))
    expect(s.platform.calls.filter((c) => c.route === 'traces.list').at(-1)?.input).toMatchObject({
      node: 'billing'
    })
  })
})

describe('9 and 13. Models', () => {
  const failed = {
    pullId: 'x1',
    source: 'https://example.com/m.gguf',
    state: 'failed' as const,
    completedBytes: 10,
    totalBytes: 100,
    error: 'HTTP 404'
  }

  it('shows a failed download without a moving bar, and clears it for good', async () => {
    const s = await openPage('models', {
      'models.list': () => ({ runtime: [], local: [], pulls: [failed] })
    })
    const row = await screen.findByTestId('pull')
    expect(row.getAttribute('data-state')).toBe('failed')
    expect(row.querySelector('progress')).toBeNull()
    fireEvent.click(within(row).getByRole('button', { name: /Clear/ }))
    expect(screen.queryByTestId('pull')).toBeNull()
    // A later list from the server still has it: it stays cleared.
    await act(() => s.stores.models.getState().refresh())
    expect(screen.queryByTestId('pull')).toBeNull()
  })

  it('keeps a refused source in the box, with the server’s message', async () => {
    await openPage('models', {
      'models.pull': () => {
        throw new FakeError('invalid_request', 'source: unsupported model source s3://b/m.gguf')
      }
    })
    const input = screen.getByLabelText('Model source') as HTMLInputElement
    fireEvent.change(input, { target: { value: 's3://b/m.gguf' } })
    fireEvent.click(screen.getByRole('button', { name: 'Download' }))
    expect((await screen.findByRole('alert')).textContent).toContain('source: unsupported')
    expect(input.value).toBe('s3://b/m.gguf')
  })

  it('shows the running model’s file, not its URL, and no speed once unloaded', async () => {
    const s = await openPage('models', {
      'models.list': () => ({ runtime: [runtime()], local: [], pulls: [] })
    })
    const table = await screen.findByTestId('runtime-table')
    expect(table.textContent).toContain('tiny-q4.gguf')
    expect(table.textContent).not.toContain('https://example.com')
    expect(table.textContent).toContain('12.5 tok/s')
    act(() => s.platform.emit('model.status', runtime({ state: 'stopped' })))
    expect(table.textContent).not.toContain('tok/s')
  })
})

describe('11 and 13. Welcome', () => {
  it('offers a Check button where it says "check again" for Ollama', async () => {
    const s = await openPage('welcome')
    fireEvent.click(screen.getByTestId('choice-ollama'))
    const check = await screen.findByTestId('ollama-check')
    const before = s.platform.calls.filter((c) => c.route === 'models.ollama_status').length
    fireEvent.click(check)
    await waitFor(() =>
      expect(s.platform.calls.filter((c) => c.route === 'models.ollama_status').length).toBe(
        before + 1
      )
    )
  })

  it('lets the user choose among the catalog entries, with sizes, and downloads the chosen one', async () => {
    const s = await openPage('welcome', {
      'models.catalog': () => ({
        models: [
          {
            name: 'small',
            description: 'quick',
            source: 'hf://a/b/small.gguf',
            fileName: 'small.gguf',
            sizeBytes: 400e6
          },
          {
            name: 'large',
            description: 'better',
            source: 'hf://a/b/large.gguf',
            fileName: 'large.gguf',
            sizeBytes: 2.1e9
          }
        ]
      }),
      'models.pull': () => ({ pullId: 'p1' })
    })
    fireEvent.click(screen.getByTestId('choice-starter'))
    const entries = await screen.findAllByTestId('catalog-entry')
    expect(entries).toHaveLength(2)
    expect(screen.getByTestId('catalog').textContent).toMatch(
      /small · 400(\.0)? MB.*large · 2(\.\d+)? GB/s
    )
    fireEvent.click(entries[1]!)
    fireEvent.click(screen.getByTestId('download-starter'))
    await waitFor(() =>
      expect(s.platform.calls.find((c) => c.route === 'models.pull')?.input).toEqual({
        source: 'hf://a/b/large.gguf',
        runner: 'llama-cpp'
      })
    )
  })
})

describe('13. Pipelines', () => {
  it('says "disabled" once for a disabled pipeline', async () => {
    await openPage('pipelines', {
      'pipelines.list': () => ({
        pipelines: [summary('off', { enabled: false, status: 'disabled' }), summary('p')]
      })
    })
    const list = await screen.findByTestId('pipeline-list')
    const item = within(list).getByText('off').closest('a')!
    expect(item.textContent).toMatch(/disabled · v1/)
    expect(item.textContent).not.toMatch(/disabled · disabled/)
  })

  it('disables Save while the text has errors', async () => {
    const s = await openPage('pipelines', {
      'pipelines.validate': () => ({
        ok: false,
        diagnostics: [
          { severity: 'error', code: 'x', message: 'bad adapter', path: [], line: 1, column: 1 }
        ]
      })
    })
    act(() => go('pipelines/p'))
    await waitFor(() => expect(s.stores.pipelines.getState().draft?.name).toBe('p'))
    act(() => s.stores.pipelines.getState().setText('{"oops": 1}'))
    await act(() => s.stores.pipelines.getState().validateNow())
    const save = await screen.findByTestId('save')
    expect((save as HTMLButtonElement).disabled).toBe(true)
  })
})

describe('13. structure: one main, one h1, a title per page, focus on the heading', () => {
  it.each(['pipelines', 'models', 'secrets', 'chat', 'requests', 'settings', 'welcome'])(
    '%s',
    async (page) => {
      await openPage(page === 'pipelines' ? 'models' : 'pipelines')
      act(() => go(page))
      await screen.findByTestId(`page-${page}`)
      expect(document.querySelectorAll('main')).toHaveLength(1)
      const h1 = document.querySelectorAll('h1')
      expect(h1).toHaveLength(1)
      expect(document.title).toMatch(/ · llmnet$/)
      expect(document.title).not.toBe('llmnet desktop')
      // Pages loaded on demand get focus once their chunk is in.
      await waitFor(() => expect(document.activeElement).toBe(h1[0]), { timeout: 5000 })
    }
  )
})
