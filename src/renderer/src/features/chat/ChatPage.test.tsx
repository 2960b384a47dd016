// @vitest-environment happy-dom
/**
 * The Chat page over the fake platform: its states (no pipeline, streaming, failed, answered) and
 * the chat basics users of LM Studio and Jan expect. Each `it` names the bug it would catch.
 */
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeError } from '../../platform/fake-client'
import { trace } from '../../stores/test-helpers'
import {
  alerts,
  cleanPagesBetweenTests,
  openPage,
  summary,
  type Rendered
} from '../../test/render-app'

let r: Rendered | undefined
cleanPagesBetweenTests()
let clipboard: string[] = []
let clipboardFails = false
beforeEach(() => {
  clipboard = []
  clipboardFails = false
  // The Clipboard API's writeText: resolves once written, rejects when not allowed
  // (https://w3c.github.io/clipboard-apis/#dom-clipboard-writetext).
  Object.defineProperty(navigator, 'clipboard', {
    configurable: true,
    value: {
      writeText: (text: string) =>
        clipboardFails
          ? Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'))
          : Promise.resolve(void clipboard.push(text))
    }
  })
})

const MARKDOWN = [
  'Here is **the fix**:',
  '',
  '```python',
  'print("hi")',
  '```',
  '',
  '| a | b |',
  '|---|---|',
  '| 1 | 2 |',
  '',
  '<img src=x onerror="window.pwned=1"> and <b>raw</b>',
  '',
  '[docs](https://example.com/docs) [bad](javascript:alert(1))'
].join('\n')

/** Opens Chat with chat.start answering ids c1, c2, … */
async function openChat(handlers: Parameters<typeof openPage>[1] = {}): Promise<Rendered> {
  let n = 0
  r = await openPage('chat', {
    'chat.start': () => ({ chatId: `c${++n}` }),
    'chat.stop': () => ({ stopped: true }),
    ...handlers
  })
  await waitFor(() => expect(r!.stores.chat.getState().pipeline).toBe('p'))
  return r
}

/** Types `text`, sends it, and waits until its chat started. */
async function send(text: string, chatId: string): Promise<void> {
  fireEvent.change(screen.getByTestId('chat-input'), { target: { value: text } })
  fireEvent.click(screen.getByRole('button', { name: 'Send' }))
  await waitFor(() => expect(r!.stores.chat.getState().chatId).toBe(chatId))
}

async function answer(
  chatId: string,
  content: string,
  route = ['router', 'billing']
): Promise<void> {
  await act(async () => {
    r!.platform.emit('chat.delta', { chatId, content })
    r!.platform.emit('chat.done', { chatId, trace: trace(chatId, route), error: null })
  })
}

describe('Chat page states', () => {
  it('empty: with no loaded pipeline it says so and links to Pipelines', async () => {
    r = await openPage('chat', {
      'pipelines.list': () => ({ pipelines: [summary('p', { status: 'error', error: 'bad' })] })
    })
    expect(screen.getByText('No pipeline is loaded')).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Go to Pipelines' }).getAttribute('href')).toBe(
      '#/pipelines'
    )
    expect(screen.queryByTestId('chat-input')).toBeNull()
  })

  it('empty conversation: a hint, and nothing to clear', async () => {
    await openChat()
    expect(screen.getByTestId('chat-log').textContent).toMatch(/Ask something/)
    expect((screen.getByRole('button', { name: 'Clear' }) as HTMLButtonElement).disabled).toBe(true)
  })

  it('loading: a streaming answer shows what came so far, busy, with Stop instead of Send', async () => {
    await openChat()
    await send('hello', 'c1')
    const msg = screen.getByTestId('assistant-message')
    expect(msg.getAttribute('aria-busy')).toBe('true')
    expect(msg.textContent).toContain('…')
    act(() => r!.platform.emit('chat.delta', { chatId: 'c1', content: 'Hel' }))
    expect(msg.textContent).toContain('Hel')
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Send' })).toBeNull()
    // Switching now would pour the answer into another conversation.
    expect((screen.getByTestId('chat-pipeline') as HTMLSelectElement).disabled).toBe(true)
  })

  it('error: a failed chat shows its message under the answer and once as an alert', async () => {
    await openChat({
      'chat.start': () => {
        throw new FakeError('upstream_error', 'upstream down')
      }
    })
    fireEvent.change(screen.getByTestId('chat-input'), { target: { value: 'hi' } })
    fireEvent.click(screen.getByRole('button', { name: 'Send' }))
    const msg = await screen.findByTestId('assistant-message')
    await waitFor(() => expect(msg.textContent).toContain('upstream down (upstream_error)'))
    expect(alerts()).toEqual([expect.stringContaining('The chat failed: upstream down')])
    expect(screen.queryByTestId('stopped-mark')).toBeNull()
  })

  it('populated: the answer is selectable text, not a button, with its route one click away', async () => {
    await openChat()
    await send('refund please', 'c1')
    await answer('c1', 'Refunds take 3 days.')
    const msg = screen.getByTestId('assistant-message')
    const text = within(msg).getByTestId('answer-text')
    expect(text.closest('button')).toBeNull()
    expect(text.textContent).toBe('Refunds take 3 days.')
    // The newest answer's route is open and on the graph; the toggle closes and reopens it.
    const toggle = within(msg).getByTestId('route-toggle')
    expect(toggle.textContent).toBe('Route: router → billing')
    expect(toggle.getAttribute('aria-expanded')).toBe('true')
    expect(within(msg).getByTestId('route-view')).toBeTruthy()
    fireEvent.click(toggle)
    expect(within(msg).queryByTestId('route-view')).toBeNull()
    expect(r!.stores.chat.getState().selected).toBeNull()
    fireEvent.click(toggle)
    expect(within(msg).getByTestId('route-nodes').textContent).toBe('router → billing')
    expect(r!.stores.chat.getState().selected).toBe(1)
  })
})

describe('Chat basics', () => {
  it('renders markdown: a code block with its own Copy, a table, safe links, and raw HTML as text', async () => {
    await openChat()
    await send('show code', 'c1')
    await answer('c1', MARKDOWN)
    const msg = screen.getByTestId('assistant-message')
    // The markdown parser is its own chunk: the plain text shows until it is in.
    expect((await within(msg).findByText('the fix')).tagName).toBe('STRONG')
    const block = within(msg).getByTestId('code-block')
    expect(block.querySelector('pre code')?.textContent).toBe('print("hi")\n')
    expect(block.textContent).toContain('python')
    expect(msg.querySelector('table td')?.textContent).toBe('1')
    // No raw HTML: no element from it, and no script ran.
    expect(msg.querySelector('img')).toBeNull()
    expect(msg.querySelector('b')).toBeNull()
    expect((window as { pwned?: number }).pwned).toBeUndefined()
    const docs = within(msg).getByRole('link', { name: 'docs' })
    expect(docs.getAttribute('target')).toBe('_blank')
    expect(docs.getAttribute('rel')).toContain('noopener')
    // react-markdown's default URL filter empties a javascript: link.
    const bad = within(msg).getByText('bad').closest('a')
    expect(bad?.getAttribute('href') ?? '').not.toMatch(/javascript/i)
    fireEvent.click(within(block).getByRole('button', { name: 'Copy' }))
    await waitFor(() => expect(clipboard).toEqual(['print("hi")']))
    expect(within(block).getByRole('button', { name: 'Copied' })).toBeTruthy()
  })

  it('copies every message, user and assistant, as its text', async () => {
    await openChat()
    await send('my **question**', 'c1')
    await answer('c1', 'The *answer*')
    fireEvent.click(within(screen.getByTestId('user-message')).getByRole('button'))
    fireEvent.click(
      within(screen.getByTestId('assistant-message')).getByRole('button', { name: 'Copy' })
    )
    await waitFor(() => expect(clipboard).toEqual(['my **question**', 'The *answer*']))
  })

  it('says when a copy failed instead of swallowing it', async () => {
    await openChat()
    await send('q', 'c1')
    await answer('c1', 'a')
    clipboardFails = true
    const msg = screen.getByTestId('assistant-message')
    fireEvent.click(within(msg).getByRole('button', { name: 'Copy' }))
    const failed = await within(msg).findByRole('button', { name: 'Copy failed' })
    expect(failed.getAttribute('title')).toBe('Could not copy to the clipboard')
    expect(clipboard).toEqual([])
  })

  it('Stop ends quietly: the partial text stays, marked stopped, with no error and no alert', async () => {
    await openChat()
    await send('long story', 'c1')
    act(() => r!.platform.emit('chat.delta', { chatId: 'c1', content: 'Once upon a' }))
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }))
    await waitFor(() =>
      expect(r!.platform.calls.find((c) => c.route === 'chat.stop')?.input).toEqual({
        chatId: 'c1'
      })
    )
    await act(async () =>
      r!.platform.emit('chat.done', {
        chatId: 'c1',
        trace: trace('c1', ['router']),
        error: { code: 'client_closed', message: 'the client closed the request' }
      })
    )
    const msg = screen.getByTestId('assistant-message')
    expect(within(msg).getByTestId('answer-text').textContent).toBe('Once upon a')
    expect(within(msg).getByTestId('stopped-mark').textContent).toBe('stopped')
    expect(msg.textContent).not.toContain('client_closed')
    expect(msg.querySelector('.msg-error')).toBeNull()
    expect(alerts()).toEqual([])
  })

  it('regenerates the last answer from the same question', async () => {
    await openChat()
    await send('why?', 'c1')
    await answer('c1', 'because')
    fireEvent.click(screen.getByTestId('regenerate'))
    await waitFor(() => expect(r!.stores.chat.getState().chatId).toBe('c2'))
    expect(
      r!.platform.calls.filter((c) => c.route === 'chat.start').map((c) => c.input)
    ).toMatchObject([
      { messages: [{ role: 'user', content: 'why?' }] },
      { messages: [{ role: 'user', content: 'why?' }] }
    ])
    await answer('c2', 'since')
    const answers = screen.getAllByTestId('assistant-message')
    expect(answers.map((a) => within(a).getByTestId('answer-text').textContent)).toEqual(['since'])
    // Only the last answer offers it.
    await send('and?', 'c3')
    await answer('c3', 'so')
    expect(screen.getAllByTestId('regenerate')).toHaveLength(1)
  })

  it('keeps one conversation per pipeline when switching (it was silently dropped)', async () => {
    await openChat({
      'pipelines.list': () => ({
        pipelines: [summary('p', { isDefault: true }), summary('q')]
      })
    })
    await send('to p', 'c1')
    await answer('c1', 'from p')
    const picker = screen.getByTestId('chat-pipeline')
    fireEvent.change(picker, { target: { value: 'q' } })
    expect(screen.queryAllByTestId('assistant-message')).toHaveLength(0)
    await send('to q', 'c2')
    await answer('c2', 'from q')
    fireEvent.change(picker, { target: { value: 'p' } })
    expect(screen.getByTestId('chat-log').textContent).toContain('from p')
    expect(screen.getByTestId('chat-log').textContent).not.toContain('from q')
    fireEvent.change(picker, { target: { value: 'q' } })
    expect(screen.getByTestId('chat-log').textContent).toContain('from q')
  })
})

vi.setConfig({ testTimeout: 15_000 })
