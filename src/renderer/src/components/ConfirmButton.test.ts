// @vitest-environment happy-dom
/**
 * Deleting a secret, a model file, an evaluation set or a stored pipeline asks first: nothing
 * happens unless the user answers OK.
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { createElement } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConfirmButton } from './ConfirmButton'

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function renderButton(onConfirm: () => unknown): void {
  render(
    createElement(ConfirmButton, {
      question: 'Delete the secret OPENAI_KEY?',
      onConfirm,
      className: 'danger',
      children: 'Delete'
    })
  )
}

describe('ConfirmButton', () => {
  it('asks the question and does nothing on Cancel', () => {
    const asked = vi.fn(() => false)
    vi.stubGlobal('confirm', asked)
    const onConfirm = vi.fn()
    renderButton(onConfirm)
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }))
    expect(asked).toHaveBeenCalledWith('Delete the secret OPENAI_KEY?')
    expect(onConfirm).not.toHaveBeenCalled()
  })

  it('acts once on OK, and keeps its class', () => {
    vi.stubGlobal(
      'confirm',
      vi.fn(() => true)
    )
    const onConfirm = vi.fn(async () => undefined)
    renderButton(onConfirm)
    const button = screen.getByRole('button', { name: 'Delete' })
    expect(button.className).toBe('danger')
    fireEvent.click(button)
    expect(onConfirm).toHaveBeenCalledTimes(1)
  })
})
