/**
 * @module The chat tester: a conversation with one pipeline, streamed through the contract; each
 * answer keeps its trace, so the page can show the route and highlight it on the graph.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { ControlError } from '../../../shared/contract/errors'
import type { Trace } from '../../../shared/trace'
import { runChat } from '../lib/run-chat'
import type { StoreDeps } from './call'

export interface ChatTurn {
  role: 'user' | 'assistant'
  content: string
  trace?: Trace | null
  error?: ControlError | null
  streaming?: boolean
}

export interface ChatState {
  pipeline: string | null
  temperature: number
  maxTokens: number | null
  turns: ChatTurn[]
  chatId: string | null
  running: boolean
  /** The answer whose route the graph highlights (index into `turns`). */
  selected: number | null
  setPipeline(name: string | null): void
  setTemperature(t: number): void
  setMaxTokens(n: number | null): void
  send(text: string): Promise<void>
  stop(): Promise<void>
  clear(): void
  select(index: number | null): void
}

export type ChatStore = StoreApi<ChatState>

/** The chat tester's store. */
export function createChatStore(deps: StoreDeps): ChatStore {
  return createStore<ChatState>((set, get) => {
    const patchLast = (patch: Partial<ChatTurn>): void => {
      const turns = get().turns.slice()
      const last = turns[turns.length - 1]
      if (last) turns[turns.length - 1] = { ...last, ...patch }
      set({ turns })
    }
    return {
      pipeline: null,
      temperature: 0.7,
      maxTokens: null,
      turns: [],
      chatId: null,
      running: false,
      selected: null,
      setPipeline(pipeline) {
        if (pipeline !== get().pipeline) set({ pipeline, turns: [], selected: null })
      },
      setTemperature(temperature) {
        set({ temperature })
      },
      setMaxTokens(maxTokens) {
        set({ maxTokens })
      },
      async send(text) {
        const { pipeline, running, temperature, maxTokens } = get()
        if (!pipeline || running || !text.trim()) return
        const history = get().turns.filter((t) => !t.error)
        const messages = [...history, { role: 'user' as const, content: text }].map((t) => ({
          role: t.role,
          content: t.content
        }))
        set({
          turns: [
            ...get().turns,
            { role: 'user', content: text },
            { role: 'assistant', content: '', streaming: true }
          ],
          running: true
        })
        const chat = runChat(
          deps.platform,
          {
            pipeline,
            messages,
            params: { temperature, ...(maxTokens ? { max_tokens: maxTokens } : {}) }
          },
          (content) => patchLast({ content })
        )
        set({ chatId: await chat.started })
        const result = await chat.done
        patchLast({
          content: result.content,
          trace: result.trace,
          error: result.error,
          streaming: false
        })
        set({ running: false, chatId: null, selected: get().turns.length - 1 })
        if (result.error && result.error.code !== 'client_closed')
          deps.toasts.getState().error(result.error, 'The chat failed')
      },
      async stop() {
        const chatId = get().chatId
        if (chatId) await deps.platform.request('chat.stop', { chatId })
      },
      clear() {
        set({ turns: [], selected: null })
      },
      select(selected) {
        set({ selected })
      }
    }
  })
}
