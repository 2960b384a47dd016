import { afterEach, describe, expect, it, vi } from 'vitest'
import { createToastStore, ERROR_TOAST_MS, INFO_TOAST_MS } from './toast-store'

describe('toast store', () => {
  afterEach(() => vi.useRealTimers())

  it('an info message goes by itself after a few seconds, an error later (fails if either lingers over the page for ever)', () => {
    vi.useFakeTimers()
    const toasts = createToastStore()
    toasts.getState().error({ code: 'not_found', message: 'no pipeline named "x"' }, 'Open')
    toasts.getState().push('info', 'Saved p as version 2')
    expect(toasts.getState().toasts.map((t) => t.kind)).toEqual(['error', 'info'])
    vi.advanceTimersByTime(INFO_TOAST_MS - 1)
    expect(toasts.getState().toasts).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(toasts.getState().toasts).toEqual([
      expect.objectContaining({
        kind: 'error',
        message: 'Open: no pipeline named "x"',
        code: 'not_found'
      })
    ])
    vi.advanceTimersByTime(ERROR_TOAST_MS - INFO_TOAST_MS)
    expect(toasts.getState().toasts).toEqual([])
  })

  it('shows an identical message once, and a newer one on the same topic replaces the old', () => {
    const toasts = createToastStore()
    const err = { code: 'internal_error' as const, message: 'disk full' }
    toasts.getState().error(err)
    toasts.getState().error(err)
    expect(toasts.getState().toasts).toHaveLength(1)
    toasts.getState().error(err, 'Could not save p', 'save:p')
    toasts.getState().push('info', 'Saved p as version 2', undefined, 'save:p')
    expect(toasts.getState().toasts.map((t) => t.message)).toEqual([
      'disk full',
      'Saved p as version 2'
    ])
  })

  it('a newer message replaces an info message at once', () => {
    const toasts = createToastStore()
    toasts.getState().push('info', 'first')
    toasts.getState().push('info', 'second')
    expect(toasts.getState().toasts.map((t) => t.message)).toEqual(['second'])
  })
})
