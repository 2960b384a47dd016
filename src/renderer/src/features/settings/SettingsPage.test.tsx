// @vitest-environment happy-dom
/** The Settings page's states over the fake platform; each `it` names the bug it would catch. */
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { OutputOf } from '../../../../shared/contract/routes'
import { DEFAULT_SETTINGS } from '../../../../shared/contract/settings'
import { FakeError } from '../../platform/fake-client'
import { cleanPagesBetweenTests, alerts, deferred, openPage } from '../../test/render-app'

cleanPagesBetweenTests()

describe('Settings page states', () => {
  it('empty: no app token yet is said, with the form to generate one', async () => {
    await openPage('settings')
    expect(await screen.findByText('No app tokens')).toBeTruthy()
    expect(screen.getByTestId('app-name')).toBeTruthy()
    expect(screen.queryByTestId('app-tokens')).toBeNull()
  })

  it('loading: "Loading…" until the settings answer; the client snippets are there already', async () => {
    const get = deferred<OutputOf<'settings.get'>>()
    await openPage('settings', { 'settings.get': () => get.promise })
    expect(screen.getByText('Loading…')).toBeTruthy()
    expect(screen.getByRole('heading', { name: 'Connect a client' })).toBeTruthy()
    await act(async () => get.resolve(DEFAULT_SETTINGS))
    expect(screen.queryByText('Loading…')).toBeNull()
    expect((screen.getByLabelText('Port') as HTMLInputElement).value).toBe('8080')
  })

  it('error: says the settings could not be read (was "Loading…" for ever) and retries', async () => {
    let fail = true
    await openPage('settings', {
      'settings.get': () => {
        if (fail) throw new FakeError('internal_error', 'settings file is not JSON')
        return DEFAULT_SETTINGS
      }
    })
    const error = await screen.findByTestId('settings-error')
    expect(error.textContent).toContain('settings file is not JSON')
    expect(screen.queryByText('Loading…')).toBeNull()
    expect(alerts()).toEqual([
      expect.stringContaining('Could not read settings: settings file is not JSON')
    ])
    fail = false
    fireEvent.click(within(error).getByRole('button', { name: 'Try again' }))
    await waitFor(() => expect(screen.queryByTestId('settings-error')).toBeNull())
    expect((screen.getByLabelText('Port') as HTMLInputElement).value).toBe('8080')
  })

  it('populated: the server fields, the running address and each app token', async () => {
    await openPage('settings', {
      'access.list': () => ({
        apps: [
          {
            name: 'open-webui',
            hint: 'ab12',
            origin: 'created',
            createdAt: 1,
            lastUsedAt: null,
            revokedAt: null
          }
        ]
      })
    })
    expect((await screen.findByTestId('running-address')).textContent).toContain(
      'http://127.0.0.1:43117'
    )
    expect((screen.getByLabelText('Host') as HTMLInputElement).value).toBe(
      DEFAULT_SETTINGS.server.host
    )
    const tokens = await screen.findByTestId('app-tokens')
    expect(tokens.textContent).toMatch(/open-webui.*ab12/s)
    expect(within(tokens).getByRole('button', { name: /Revoke/ })).toBeTruthy()
  })
})
