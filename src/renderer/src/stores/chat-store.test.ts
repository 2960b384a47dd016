import { describe, expect, it } from 'vitest'
import { setup, trace, until } from './test-helpers'

describe('chat store', () => {
  it('streams deltas into the answer and keeps the trace for the route view', async () => {
    const s = setup({ 'chat.start': () => ({ chatId: 'c1' }) })
    s.chat.getState().setPipeline('p')
    const sent = s.chat.getState().send('hi')
    await until(() => s.chat.getState().chatId === 'c1')
    s.platform.emit('chat.delta', { chatId: 'c1', content: 'Hel' })
    s.platform.emit('chat.delta', { chatId: 'other', content: 'XX' })
    s.platform.emit('chat.delta', { chatId: 'c1', content: 'lo' })
    expect(s.chat.getState().turns[1]!.content).toBe('Hello')
    s.platform.emit('chat.done', { chatId: 'c1', trace: trace('t', ['a', 'output']), error: null })
    await sent
    const answer = s.chat.getState().turns[1]!
    expect(answer).toMatchObject({ content: 'Hello', streaming: false })
    expect(answer.trace!.route).toEqual(['a', 'output'])
    expect(s.chat.getState().selected).toBe(1)
    expect(s.platform.listenerCount('chat.delta')).toBe(0)
  })

  it('does not lose deltas that arrive before chat.start answers', async () => {
    const s = setup({
      'chat.start': () => {
        s.platform.emit('chat.delta', { chatId: 'c9', content: 'early ' })
        s.platform.emit('chat.done', { chatId: 'c9', trace: null, error: null })
        return { chatId: 'c9' }
      }
    })
    s.chat.getState().setPipeline('p')
    await s.chat.getState().send('hi')
    expect(s.chat.getState().turns[1]!.content).toBe('early ')
  })

  it('sends the history and parameters, and stops the running chat', async () => {
    const s = setup({
      'chat.start': () => ({ chatId: 'c2' }),
      'chat.stop': () => ({ stopped: true })
    })
    s.chat.getState().setPipeline('p')
    s.chat.getState().setTemperature(0.2)
    s.chat.getState().setMaxTokens(64)
    const sent = s.chat.getState().send('question')
    await until(() => s.chat.getState().chatId === 'c2')
    await s.chat.getState().stop()
    expect(s.platform.calls.find((c) => c.route === 'chat.stop')?.input).toEqual({ chatId: 'c2' })
    s.platform.emit('chat.done', {
      chatId: 'c2',
      trace: null,
      error: { code: 'client_closed', message: 'stopped' }
    })
    await sent
    expect(s.platform.calls[0]!.input).toEqual({
      pipeline: 'p',
      messages: [{ role: 'user', content: 'question' }],
      params: { temperature: 0.2, max_tokens: 64 }
    })
    // Stopping is not an error worth a toast.
    expect(s.toasts.getState().toasts).toEqual([])
    expect(s.chat.getState().running).toBe(false)
  })

  it('shows the server error when the chat cannot start', async () => {
    const s = setup()
    s.chat.getState().setPipeline('p')
    await s.chat.getState().send('hi')
    expect(s.chat.getState().turns[1]!.error!.code).toBe('not_found')
    expect(s.toasts.getState().toasts[0]!.message).toMatch(/The chat failed: unknown route/)
  })
})
