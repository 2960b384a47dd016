import { afterEach, describe, expect, it, vi } from 'vitest'
import { createToastStore, INFO_TOAST_MS } from './toast-store'

describe('toast store', () => {
  afterEach(() => vi.useRealTimers())

  it('an info message goes by itself; an error stays until dismissed (fails if a saved-notice lingers over the page)', () => {
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
  })

  it('a newer message replaces an info message at once', () => {
    const toasts = createToastStore()
    toasts.getState().push('info', 'first')
    toasts.getState().push('info', 'second')
    expect(toasts.getState().toasts.map((t) => t.message)).toEqual(['second'])
  })
})
