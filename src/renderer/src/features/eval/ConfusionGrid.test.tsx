// @vitest-environment happy-dom
/** The confusion grid: square over the routes, `(none)`/`(error)` as columns only, counts per cell. */
import { cleanup, render, screen } from '@testing-library/react'
import { afterEach, expect, it } from 'vitest'
import { ConfusionGrid, confusionLabels } from './ConfusionGrid'

afterEach(cleanup)

const CONFUSION = {
  tech: { tech: 2, billing: 1 },
  billing: { general: 1, '(error)': 1, billing: 3 }
}

it('rows are every route expected or taken; failures and no-route are columns only', () => {
  expect(confusionLabels(CONFUSION)).toEqual({
    rows: ['billing', 'general', 'tech'],
    cols: ['billing', 'general', 'tech', '(error)']
  })
})

it('draws each count in its cell, the diagonal highlighted, an only-taken route as an empty row', () => {
  render(<ConfusionGrid confusion={CONFUSION} />)
  const grid = screen.getByTestId('confusion-grid')
  const counts = [...grid.querySelectorAll('tbody tr')].map((tr) =>
    [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))
  )
  expect(counts).toEqual([
    [3, 1, 0, 1],
    [0, 0, 0, 0],
    [1, 0, 2, 0]
  ])
  const diagonal = [...grid.querySelectorAll('td.diagonal')].map(
    (td) => `${td.getAttribute('data-expected')}→${td.getAttribute('data-actual')}`
  )
  expect(diagonal).toEqual(['billing→billing', 'general→general', 'tech→tech'])
  expect(grid.querySelectorAll('td.miss')).toHaveLength(3)
  expect(
    grid
      .querySelector('td[data-expected="billing"][data-actual="(error)"]')
      ?.getAttribute('aria-label')
  ).toBe('expected billing, took (error): 1')
})

it('says so when no case expects a route', () => {
  render(<ConfusionGrid confusion={{}} />)
  expect(screen.queryByTestId('confusion-grid')).toBeNull()
  expect(screen.getByText(/no case expects a route/i)).toBeTruthy()
})
