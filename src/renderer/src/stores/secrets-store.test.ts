import { describe, expect, it } from 'vitest'
import type { SecretSourceInfo } from './secrets-store'
import { setup, until } from './test-helpers'

const source = (state: 'resolved' | 'missing'): SecretSourceInfo => ({
  pipeline: 'p',
  name: 'vault',
  source: 'store',
  detail: "the app's secret store",
  variables: [{ name: 'TOKEN', state }],
  problem: state === 'missing' ? 'vault.TOKEN is not in the secret store' : null
})

describe('secret sources', () => {
  it('loads the sources with the names and follows secret.changed from missing to resolved', async () => {
    let stored = false
    const s = setup({
      'secrets.list': () => ({
        secrets: stored ? [{ name: 'vault.TOKEN', updatedAt: 1, usedBy: ['p'] }] : [],
        storage: { kind: 'key-file' as const, warning: null }
      }),
      'secrets.sources': () => ({ sources: [source(stored ? 'resolved' : 'missing')] })
    })
    const detach = s.secrets.getState().attach()
    await s.secrets.getState().refresh()
    expect(s.secrets.getState().sources).toEqual([source('missing')])
    // Set elsewhere (another window, the CLI): the event alone brings the new state.
    stored = true
    s.platform.emit('secret.changed', { name: 'vault.TOKEN', state: 'set' })
    await until(() => s.secrets.getState().sources[0]?.variables[0]?.state === 'resolved')
    expect(s.secrets.getState().sources[0]!.problem).toBeNull()
    expect(s.secrets.getState().secrets.map((x) => x.name)).toEqual(['vault.TOKEN'])
    detach()
    expect(s.platform.listenerCount('secret.changed')).toBe(0)
  })

  it('keeps the last sources and shows the server message when the call fails', async () => {
    let fail = false
    const s = setup({
      'secrets.sources': () => {
        if (fail) throw new Error('database is locked')
        return { sources: [source('resolved')] }
      }
    })
    await s.secrets.getState().refreshSources()
    fail = true
    await s.secrets.getState().refreshSources()
    expect(s.secrets.getState().sources).toEqual([source('resolved')])
    expect(s.toasts.getState().toasts.at(-1)!.message).toMatch(
      /^Could not list secret sources: .*database is locked/
    )
  })
})
