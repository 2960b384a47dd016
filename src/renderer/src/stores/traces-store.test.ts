import { describe, expect, it } from 'vitest'
import { setup, trace, until } from './test-helpers'

describe('traces store', () => {
  it('sends every filter, node included, to traces.list and shows what it answers', async () => {
    const s = setup({
      'traces.list': (input) => ({
        traces: [trace('1', ['a', 'b']), trace('2', ['a', 'c'])]
          .filter((t) => !input.node || t.route.includes(input.node))
          .map(({ hops: _h, ...t }) => t),
        nextCursor: null
      })
    })
    await s.traces.getState().setFilters({ node: ' c ', pipeline: 'p', status: 'ok' })
    expect(s.traces.getState().traces.map((t) => t.id)).toEqual(['2'])
    expect(s.platform.calls.at(-1)!.input).toEqual({
      limit: 50,
      pipeline: 'p',
      status: 'ok',
      node: 'c'
    })
  })

  it('adds live traces that match the filters, once', async () => {
    const s = setup({ 'traces.list': () => ({ traces: [], nextCursor: null }) })
    s.traces.getState().attach()
    await s.traces.getState().setFilters({ node: 'x' })
    s.platform.emit('trace', trace('1', ['a']))
    s.platform.emit('trace', trace('2', ['x']))
    s.platform.emit('trace', trace('2', ['x']))
    expect(s.traces.getState().traces.map((t) => t.id)).toEqual(['2'])
  })

  it('replays the stored messages against the current pipeline and keeps old and new', async () => {
    const messages = [{ role: 'user' as const, content: 'again' }]
    const s = setup({
      'traces.get': () => ({ ...trace('old', ['a', 'output']), request: { messages } }),
      'chat.start': () => ({ chatId: 'r1' })
    })
    await s.traces.getState().open('old')
    const replay = s.traces.getState().startReplay()
    await until(() => s.platform.calls.some((c) => c.route === 'chat.start'))
    expect(s.platform.calls.at(-1)!.input).toMatchObject({ pipeline: 'p', messages })
    await until(() => s.platform.listenerCount('chat.done') > 0)
    await new Promise((r) => setTimeout(r, 0))
    s.platform.emit('chat.delta', { chatId: 'r1', content: 'new answer' })
    s.platform.emit('chat.done', {
      chatId: 'r1',
      trace: trace('new', ['b', 'output']),
      error: null
    })
    await replay
    const state = s.traces.getState()
    expect(state.selected!.route).toEqual(['a', 'output'])
    expect(state.replay).toMatchObject({ running: false, content: 'new answer' })
    expect(state.replay!.result!.trace!.route).toEqual(['b', 'output'])
  })

  it('says so when a trace has no stored request to replay', async () => {
    const s = setup({ 'traces.get': () => trace('old', ['a']) })
    await s.traces.getState().open('old')
    await s.traces.getState().startReplay()
    expect(s.platform.calls.some((c) => c.route === 'chat.start')).toBe(false)
    expect(s.toasts.getState().toasts[0]!.message).toMatch(/without its messages/)
  })
})
