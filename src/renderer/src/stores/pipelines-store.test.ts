import { describe, expect, it } from 'vitest'
import { FakeError } from '../platform/fake-client'
import { setup, until } from './test-helpers'

const SHELL = JSON.stringify({
  models: {},
  architecture: [],
  functions: { f: { type: 'shell', command: '/bin/echo', args: ['hi'] } }
})

describe('pipelines store', () => {
  it('keeps only the newest validation answer when an older one arrives late', async () => {
    const resolvers: ((v: unknown) => void)[] = []
    const s = setup({
      'pipelines.validate': (i) =>
        new Promise((resolve) => {
          resolvers.push(() =>
            resolve({
              ok: false,
              diagnostics: [
                { severity: 'error', code: 'c', message: i.text, path: [], line: 1, column: 1 }
              ]
            })
          )
        })
    })
    const p = s.pipelines.getState()
    p.newDraft('a', 'old', 'json')
    s.pipelines.getState().setText('new')
    const second = s.pipelines.getState().validateNow()
    await until(() => resolvers.length === 2)
    resolvers[1]!(null)
    await second
    resolvers[0]!(null)
    await until(() => !s.pipelines.getState().draft!.validating)
    await new Promise((r) => setTimeout(r, 0))
    expect(s.pipelines.getState().draft!.diagnostics.map((d) => d.message)).toEqual(['new'])
  })

  it('asks for confirmation before saving shell functions, and saves once confirmed', async () => {
    const s = setup({
      'pipelines.validate': () => ({ ok: true, diagnostics: [] }),
      'pipelines.save': (i) => ({ name: i.name, version: 1, diagnostics: [] }),
      'pipelines.list': () => ({ pipelines: [] }),
      'pipelines.versions': () => ({ versions: [] })
    })
    s.pipelines.getState().newDraft('sh', SHELL, 'json')
    expect(await s.pipelines.getState().save()).toBe('confirm')
    const confirm = s.pipelines.getState().confirm!
    expect(confirm.functions[0]!.runs).toBe('/bin/echo hi')
    expect(s.platform.calls.some((c) => c.route === 'pipelines.save')).toBe(false)
    // A confirmation of other commands does not count.
    expect(await s.pipelines.getState().save({ confirmedKey: 'something else' })).toBe('confirm')
    expect(await s.pipelines.getState().save({ confirmedKey: confirm.key })).toBe('saved')
    expect(s.platform.calls.filter((c) => c.route === 'pipelines.save')).toHaveLength(1)
    expect(s.pipelines.getState().draft!.isNew).toBe(false)
  })

  it('shows the server message and diagnostics when a save is refused', async () => {
    const diag = {
      severity: 'error',
      code: 'x',
      message: 'bad adapter',
      path: [],
      line: 3,
      column: 5
    }
    const s = setup({
      'pipelines.validate': () => ({ ok: true, diagnostics: [] }),
      'pipelines.save': () => {
        throw new FakeError('invalid_request', 'composition has 1 error', { diagnostics: [diag] })
      }
    })
    s.pipelines.getState().newDraft('a', '{}', 'json')
    await s.pipelines.getState().validateNow()
    expect(await s.pipelines.getState().save()).toBe('failed')
    expect(s.pipelines.getState().draft!.diagnostics).toEqual([diag])
    expect(s.toasts.getState().toasts[0]).toMatchObject({
      kind: 'error',
      message: 'Could not save a: composition has 1 error',
      code: 'invalid_request'
    })
  })

  it('refreshes the list on pipeline events and marks the shell ready after the first answer', async () => {
    let names = ['a']
    const s = setup({
      'pipelines.list': () => ({
        pipelines: names.map((name) => ({
          name,
          source: 'library' as const,
          path: null,
          enabled: true,
          isDefault: false,
          status: 'loaded' as const,
          error: null,
          version: 1,
          updatedAt: 1
        }))
      })
    })
    const off = s.pipelines.getState().attach()
    await s.pipelines.getState().refresh()
    expect(s.app.getState().pipelinesAnswered).toBe(true)
    names = ['a', 'b']
    s.platform.emit('pipeline.loaded', { name: 'b', path: null, reloaded: false })
    await until(() => s.pipelines.getState().list.length === 2)
    off()
    expect(s.platform.listenerCount('pipeline.loaded')).toBe(0)
  })

  it('lists the examples once from pipelines.examples, and says why when it cannot', async () => {
    const example = { name: 'x', description: 'd', text: '{}', format: 'json' as const }
    const s = setup({ 'pipelines.examples': () => ({ examples: [example] }) })
    await s.pipelines.getState().loadExamples()
    expect(s.pipelines.getState()).toMatchObject({ examples: [example], examplesSource: 'route' })
    const bad = setup()
    await bad.pipelines.getState().loadExamples()
    expect(bad.pipelines.getState()).toMatchObject({ examples: [], examplesSource: 'failed' })
    expect(bad.toasts.getState().toasts[0]!.message).toMatch(/^Could not list the examples: /)
  })

  it('Make default calls pipelines.set_default and shows the new default from the list', async () => {
    let chosen = 'a'
    const summary = (name: string) => ({
      name,
      source: 'library' as const,
      path: null,
      enabled: true,
      isDefault: name === chosen,
      status: 'loaded' as const,
      error: null,
      version: 1,
      updatedAt: 1
    })
    const s = setup({
      'pipelines.list': () => ({ pipelines: ['a', 'b'].map(summary) }),
      'pipelines.set_default': (i) => {
        chosen = i.name
        return { defaultPipeline: i.name }
      }
    })
    await s.pipelines.getState().refresh()
    await s.pipelines.getState().setDefault('b')
    expect(s.platform.calls.filter((c) => c.route === 'pipelines.set_default')).toEqual([
      expect.objectContaining({ input: { name: 'b' } })
    ])
    expect(s.pipelines.getState().list.find((p) => p.isDefault)?.name).toBe('b')
  })
})
