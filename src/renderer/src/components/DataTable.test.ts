// @vitest-environment happy-dom
/**
 * The pages' one table: a scrolling box, the header row from `columns`, the caption, and the
 * page's rows under it.
 */
import { cleanup, render, screen } from '@testing-library/react'
import { createElement } from 'react'
import { afterEach, describe, expect, it } from 'vitest'
import { DataTable } from './DataTable'

afterEach(cleanup)

describe('DataTable', () => {
  it('draws the header, caption and rows inside a box that scrolls sideways', () => {
    render(
      createElement(DataTable, {
        testId: 'secrets-table',
        columns: ['Name', 'Value', ''],
        caption: 'Stored secrets (1)',
        compact: true,
        children: createElement('tr', null, createElement('td', null, 'OPENAI_KEY'))
      })
    )
    const table = screen.getByTestId('secrets-table')
    expect(table.parentElement?.className).toBe('table-wrap')
    expect(table.className).toBe('table compact')
    expect(screen.getAllByRole('columnheader').map((th) => th.textContent)).toEqual([
      'Name',
      'Value',
      ''
    ])
    expect(table.querySelector('caption')?.textContent).toBe('Stored secrets (1)')
    expect(table.querySelector('tbody td')?.textContent).toBe('OPENAI_KEY')
  })

  it('has no caption unless given one, and plain rows unless compact', () => {
    render(createElement(DataTable, { testId: 't', columns: ['A'], children: createElement('tr') }))
    const table = screen.getByTestId('t')
    expect(table.className).toBe('table')
    expect(table.querySelector('caption')).toBeNull()
  })
})
