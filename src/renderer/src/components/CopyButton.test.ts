// @vitest-environment happy-dom
/**
 * Catches a Copy button that swallows the clipboard's refusal (as Electron's denied
 * `clipboard-sanitized-write` did): the user must see that nothing was copied.
 */
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { createElement } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CopyButton } from './CopyButton'

afterEach(() => {
  cleanup()
  vi.restoreAllMocks()
})

function clipboardThat(write: (text: string) => Promise<void>): void {
  Object.defineProperty(navigator, 'clipboard', { value: { writeText: write }, configurable: true })
}

describe('CopyButton', () => {
  it('says "Copied" when the clipboard took the text', async () => {
    const written: string[] = []
    clipboardThat(async (t) => void written.push(t))
    render(createElement(CopyButton, { text: 'sk-llmnet-123' }))
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Copy' })))
    expect(written).toEqual(['sk-llmnet-123'])
    expect(screen.getByRole('button').textContent).toBe('Copied')
  })

  it('says "Copy failed" when the clipboard refuses (permission denied)', async () => {
    clipboardThat(() =>
      Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'))
    )
    render(createElement(CopyButton, { text: 'sk-llmnet-123', label: 'Copy token' }))
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Copy token' })))
    expect(screen.getByRole('button').textContent).toBe('Copy failed')
  })
})
