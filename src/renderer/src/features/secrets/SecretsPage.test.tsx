// @vitest-environment happy-dom
/** The Hooks & secrets page's states over the fake platform; each `it` names the bug it would catch. */
import { act, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { OutputOf } from '../../../../shared/contract/routes'
import { FakeError } from '../../platform/fake-client'
import { cleanPagesBetweenTests, alerts, deferred, openPage } from '../../test/render-app'

cleanPagesBetweenTests()

describe('Hooks & secrets page states', () => {
  it('empty: no functions, no sources, no secrets, each said, and the form to set one', async () => {
    await openPage('secrets')
    expect(await screen.findByText('No secrets stored')).toBeTruthy()
    expect(screen.getByText('No functions')).toBeTruthy()
    expect(screen.getByText('No secret sources')).toBeTruthy()
    expect(screen.getByTestId('secret-name')).toBeTruthy()
  })

  it('loading: says so instead of "No secrets stored" before the list answered', async () => {
    const list = deferred<OutputOf<'secrets.list'>>()
    await openPage('secrets', { 'secrets.list': () => list.promise })
    expect(screen.getByText('Loading…')).toBeTruthy()
    expect(screen.queryByText('No secrets stored')).toBeNull()
    await act(async () =>
      list.resolve({
        secrets: [{ name: 'vault.TOKEN', updatedAt: 1, usedBy: [] }],
        storage: { kind: 'key-file', warning: null }
      })
    )
    expect(screen.queryByText('Loading…')).toBeNull()
    expect(screen.getByTestId('secrets-table').textContent).toContain('vault.TOKEN')
  })

  it('error: a failed list is an alert naming it; the form stays', async () => {
    await openPage('secrets', {
      'secrets.list': () => {
        throw new FakeError('internal_error', 'key file unreadable')
      }
    })
    await waitFor(() =>
      expect(alerts()).toEqual([
        expect.stringContaining('Could not list secrets: key file unreadable')
      ])
    )
    expect(screen.queryByText('Loading…')).toBeNull()
    expect(screen.getByTestId('secret-name')).toBeTruthy()
  })

  it('populated: functions with Test, sources with each variable’s state, secrets masked', async () => {
    await openPage('secrets', {
      'functions.list': () => ({
        functions: [{ name: 'audit', type: 'rest', usedBy: ['router:post'] }]
      }),
      'secrets.sources': () => ({
        sources: [
          {
            pipeline: 'p',
            name: 'api',
            source: 'env-file',
            detail: '/home/me/api.env',
            variables: [
              { name: 'KEY', state: 'resolved' },
              { name: 'OTHER', state: 'missing' }
            ],
            problem: 'OTHER is not set in /home/me/api.env'
          }
        ]
      }),
      'secrets.list': () => ({
        secrets: [{ name: 'api.TOKEN', updatedAt: 1, usedBy: ['p'] }],
        storage: { kind: 'safe-storage', warning: null }
      })
    })
    const fn = await screen.findByTestId('function-audit')
    expect(fn.textContent).toMatch(/audit.*rest.*used by router:post/s)
    expect(within(fn).getByRole('button', { name: /Test/ })).toBeTruthy()
    const source = await screen.findByTestId('source-p-api')
    expect(
      within(source)
        .getAllByTestId('source-variable')
        .map((v) => v.getAttribute('data-state'))
    ).toEqual(['resolved', 'missing'])
    expect(within(source).getByTestId('source-problem').textContent).toContain('OTHER is not set')
    const table = await screen.findByTestId('secrets-table')
    expect(table.textContent).toMatch(/api\.TOKEN.*••••••••.*p/s)
  })
})
