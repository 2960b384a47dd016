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

  it('keeps what came before Stop, marked stopped, with no error (was a red client_closed)', async () => {
    const s = setup({
      'chat.start': () => ({ chatId: 'c3' }),
      'chat.stop': () => ({ stopped: true })
    })
    s.chat.getState().setPipeline('p')
    const sent = s.chat.getState().send('tell me')
    await until(() => s.chat.getState().chatId === 'c3')
    s.platform.emit('chat.delta', { chatId: 'c3', content: 'Once upon' })
    await s.chat.getState().stop()
    s.platform.emit('chat.done', {
      chatId: 'c3',
      trace: trace('t3', ['a']),
      error: { code: 'client_closed', message: 'the client closed the request' }
    })
    await sent
    const answer = s.chat.getState().turns[1]!
    expect(answer).toMatchObject({ content: 'Once upon', stopped: true, error: null })
    // The partial answer is part of the history the next question sends.
    s.platform.handlers['chat.start'] = () => ({ chatId: 'c4' })
    const next = s.chat.getState().send('go on')
    await until(() => s.chat.getState().chatId === 'c4')
    expect(s.platform.calls.filter((c) => c.route === 'chat.start').at(-1)?.input).toMatchObject({
      messages: [
        { role: 'user', content: 'tell me' },
        { role: 'assistant', content: 'Once upon' },
        { role: 'user', content: 'go on' }
      ]
    })
    s.platform.emit('chat.done', { chatId: 'c4', trace: null, error: null })
    await next
  })

  it('stops a chat whose Stop came before chat.start answered (it ran on)', async () => {
    let answerStart: (v: { chatId: string }) => void = () => {}
    const s = setup({
      'chat.start': () => new Promise((r) => (answerStart = r)),
      'chat.stop': () => ({ stopped: true })
    })
    s.chat.getState().setPipeline('p')
    const sent = s.chat.getState().send('hi')
    await until(() => s.platform.calls.length === 1)
    await s.chat.getState().stop()
    answerStart({ chatId: 'late' })
    await until(() => s.platform.calls.some((c) => c.route === 'chat.stop'))
    expect(s.platform.calls.find((c) => c.route === 'chat.stop')?.input).toEqual({
      chatId: 'late'
    })
    s.platform.emit('chat.done', {
      chatId: 'late',
      trace: null,
      error: { code: 'client_closed', message: 'stopped' }
    })
    await sent
    expect(s.chat.getState().turns[1]).toMatchObject({ stopped: true, error: null })
  })

  it('keeps one conversation per pipeline (switching used to drop it)', async () => {
    let n = 0
    const s = setup({ 'chat.start': () => ({ chatId: `c${++n}` }) })
    const ask = async (text: string, answer: string): Promise<void> => {
      const id = `c${n + 1}`
      const sent = s.chat.getState().send(text)
      await until(() => s.chat.getState().chatId === id)
      s.platform.emit('chat.delta', { chatId: id, content: answer })
      s.platform.emit('chat.done', { chatId: id, trace: null, error: null })
      await sent
    }
    s.chat.getState().setPipeline('a')
    await ask('to a', 'from a')
    s.chat.getState().setPipeline('b')
    expect(s.chat.getState().turns).toEqual([])
    await ask('to b', 'from b')
    s.chat.getState().setPipeline('a')
    expect(s.chat.getState().turns.map((t) => t.content)).toEqual(['to a', 'from a'])
    expect(s.chat.getState().selected).toBe(1)
    // The next question to a carries a's history only.
    await ask('more', 'again')
    expect(s.platform.calls.at(-1)?.input).toMatchObject({
      pipeline: 'a',
      messages: [
        { role: 'user', content: 'to a' },
        { role: 'assistant', content: 'from a' },
        { role: 'user', content: 'more' }
      ]
    })
    s.chat.getState().setPipeline('b')
    expect(s.chat.getState().turns.map((t) => t.content)).toEqual(['to b', 'from b'])
  })

  it('does not switch pipelines while an answer streams (it would land in the other one)', async () => {
    const s = setup({ 'chat.start': () => ({ chatId: 'c1' }) })
    s.chat.getState().setPipeline('a')
    const sent = s.chat.getState().send('hi')
    await until(() => s.chat.getState().chatId === 'c1')
    s.chat.getState().setPipeline('b')
    expect(s.chat.getState().pipeline).toBe('a')
    s.platform.emit('chat.done', { chatId: 'c1', trace: null, error: null })
    await sent
  })

  it('regenerates the last answer from the same question', async () => {
    let n = 0
    const s = setup({ 'chat.start': () => ({ chatId: `r${++n}` }) })
    s.chat.getState().setPipeline('p')
    const first = s.chat.getState().send('why?')
    await until(() => s.chat.getState().chatId === 'r1')
    s.platform.emit('chat.delta', { chatId: 'r1', content: 'because' })
    s.platform.emit('chat.done', { chatId: 'r1', trace: null, error: null })
    await first
    const again = s.chat.getState().regenerate()
    await until(() => s.chat.getState().chatId === 'r2')
    expect(s.platform.calls.at(-1)?.input).toMatchObject({
      messages: [{ role: 'user', content: 'why?' }]
    })
    s.platform.emit('chat.delta', { chatId: 'r2', content: 'since' })
    s.platform.emit('chat.done', { chatId: 'r2', trace: null, error: null })
    await again
    expect(s.chat.getState().turns.map((t) => t.content)).toEqual(['why?', 'since'])
  })

  it('shows the server error when the chat cannot start', async () => {
    const s = setup()
    s.chat.getState().setPipeline('p')
    await s.chat.getState().send('hi')
    expect(s.chat.getState().turns[1]!.error!.code).toBe('not_found')
    expect(s.toasts.getState().toasts[0]!.message).toMatch(/The chat failed: unknown route/)
  })
})
