/**
 * @module One chat through the contract: `chat.start`, then `chat.delta` events until the one
 * `chat.done`. Listeners are attached before the start so no early delta is missed.
 */
import type { ControlError } from '../../../shared/contract/errors'
import type { RequestOf } from '../../../shared/contract/routes'
import type { Trace } from '../../../shared/trace'
import type { Platform } from '../platform/client'

export interface ChatResult {
  chatId: string | null
  content: string
  trace: Trace | null
  error: ControlError | null
}

export interface RunningChat {
  /** Resolves with the chat id once started (null if `chat.start` failed). */
  started: Promise<string | null>
  done: Promise<ChatResult>
}

/** Starts a chat; `onDelta` gets the text so far after each delta. */
export function runChat(
  platform: Platform,
  input: RequestOf<'chat.start'>,
  onDelta: (content: string) => void
): RunningChat {
  let chatId: string | null = null
  let content = ''
  // Events for this chat that arrive before `chat.start` answers (the id is unknown yet).
  const early: { kind: 'delta' | 'done'; payload: { chatId: string } }[] = []
  let finish: (r: ChatResult) => void = () => {}
  const done = new Promise<ChatResult>((resolve) => (finish = resolve))
  const cleanup: (() => void)[] = []
  const onDone = (p: { trace: Trace | null; error: ControlError | null }): void => {
    for (const off of cleanup) off()
    finish({ chatId, content, trace: p.trace, error: p.error })
  }
  const handleDelta = (p: { content: string }): void => {
    content += p.content
    onDelta(content)
  }
  cleanup.push(
    platform.on('chat.delta', (p) => {
      if (chatId === null) early.push({ kind: 'delta', payload: p })
      else if (p.chatId === chatId) handleDelta(p)
    }),
    platform.on('chat.done', (p) => {
      if (chatId === null) early.push({ kind: 'done', payload: p })
      else if (p.chatId === chatId) onDone(p)
    })
  )
  const started = platform.request('chat.start', input).then((res) => {
    if (!res.ok) {
      onDone({ trace: null, error: res.error })
      return null
    }
    chatId = res.data.chatId
    for (const e of early) {
      if (e.payload.chatId !== chatId) continue
      if (e.kind === 'delta') handleDelta(e.payload as { chatId: string; content: string })
      else onDone(e.payload as { chatId: string; trace: Trace | null; error: ControlError | null })
    }
    return chatId
  })
  return { started, done }
}
