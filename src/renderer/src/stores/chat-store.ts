/**
 * @module The chat tester: one conversation per pipeline (switching keeps each, as Jan does),
 * streamed through the contract; each answer keeps its trace, so the page can show the route
 * and highlight it on the graph. Stop keeps what came and marks the answer "stopped".
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
  /** The user stopped this answer: `content` is what came before. */
  stopped?: boolean
}

/** One pipeline's conversation. */
export interface Conversation {
  turns: ChatTurn[]
  /** The answer whose route the graph highlights (index into `turns`). */
  selected: number | null
}

export interface ChatState extends Conversation {
  pipeline: string | null
  temperature: number
  maxTokens: number | null
  /** The other pipelines' conversations, kept while another one is shown. */
  saved: Record<string, Conversation>
  chatId: string | null
  running: boolean
  /** Shows `name`'s conversation (ignored while an answer streams). */
  setPipeline(name: string | null): void
  setTemperature(t: number): void
  setMaxTokens(n: number | null): void
  send(text: string): Promise<void>
  /** Asks the last question again, replacing the last answer. */
  regenerate(): Promise<void>
  stop(): Promise<void>
  clear(): void
  select(index: number | null): void
}

export type ChatStore = StoreApi<ChatState>

/** The messages sent for `turns`: failed answers and empty stopped ones are left out. */
function toMessages(turns: ChatTurn[]): { role: 'user' | 'assistant'; content: string }[] {
  return turns
    .filter((t) => !t.error && (t.role === 'user' || t.content))
    .map((t) => ({ role: t.role, content: t.content }))
}

/** The chat tester's store. */
export function createChatStore(deps: StoreDeps): ChatStore {
  return createStore<ChatState>((set, get) => {
    let stopAsked = false
    const patchLast = (patch: Partial<ChatTurn>): void => {
      const turns = get().turns.slice()
      const last = turns[turns.length - 1]
      if (last) turns[turns.length - 1] = { ...last, ...patch }
      set({ turns })
    }
    /** Sends `turns` (ending with the user's question) and streams the answer after them. */
    const ask = async (turns: ChatTurn[]): Promise<void> => {
      const { pipeline, temperature, maxTokens } = get()
      if (!pipeline) return
      stopAsked = false
      set({
        turns: [...turns, { role: 'assistant', content: '', streaming: true }],
        running: true
      })
      const chat = runChat(
        deps.platform,
        {
          pipeline,
          messages: toMessages(turns),
          params: { temperature, ...(maxTokens ? { max_tokens: maxTokens } : {}) }
        },
        (content) => patchLast({ content })
      )
      const chatId = await chat.started
      set({ chatId })
      // Stop pressed before the chat had an id: stop it now.
      if (chatId && stopAsked) await deps.platform.request('chat.stop', { chatId })
      const result = await chat.done
      // The contract ends a stopped chat with `client_closed`: that is the user's wish, not a fault.
      const stopped = result.error?.code === 'client_closed'
      patchLast({
        content: result.content,
        trace: result.trace,
        error: stopped ? null : result.error,
        streaming: false,
        ...(stopped ? { stopped: true } : {})
      })
      set({ running: false, chatId: null, selected: get().turns.length - 1 })
      if (result.error && !stopped) deps.toasts.getState().error(result.error, 'The chat failed')
    }
    return {
      pipeline: null,
      temperature: 0.7,
      maxTokens: null,
      turns: [],
      selected: null,
      saved: {},
      chatId: null,
      running: false,
      setPipeline(pipeline) {
        const { pipeline: current, turns, selected, saved, running } = get()
        if (pipeline === current || running) return
        const next = { ...saved }
        if (current !== null) next[current] = { turns, selected }
        const shown = (pipeline !== null && next[pipeline]) || { turns: [], selected: null }
        if (pipeline !== null) delete next[pipeline]
        set({ pipeline, ...shown, saved: next })
      },
      setTemperature(temperature) {
        set({ temperature })
      },
      setMaxTokens(maxTokens) {
        set({ maxTokens })
      },
      async send(text) {
        const { pipeline, running, turns } = get()
        if (!pipeline || running || !text.trim()) return
        await ask([...turns, { role: 'user', content: text }])
      },
      async regenerate() {
        const { running, turns } = get()
        if (running || turns[turns.length - 1]?.role !== 'assistant') return
        await ask(turns.slice(0, -1))
      },
      async stop() {
        const { chatId, running } = get()
        if (chatId) await deps.platform.request('chat.stop', { chatId })
        else if (running) stopAsked = true
      },
      clear() {
        if (!get().running) set({ turns: [], selected: null })
      },
      select(selected) {
        set({ selected })
      }
    }
  })
}
