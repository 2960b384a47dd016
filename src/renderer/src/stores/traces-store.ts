/**
 * @module The request log: persisted traces with filters (pipeline, status and node, all
 * applied by `traces.list`), new traces live from the `trace` event, one trace's
 * detail, and replay: the logged request run again against the current pipeline.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { ChatMessage } from '../../../shared/openai/chat'
import type { OutputOf } from '../../../shared/contract/routes'
import type { Trace } from '../../../shared/trace'
import { runChat, type ChatResult } from '../lib/run-chat'
import { call, type StoreDeps } from './call'

export type TraceSummary = OutputOf<'traces.list'>['traces'][number]

export interface TraceFilters {
  pipeline: string
  status: '' | 'ok' | 'error'
  node: string
}

/** A stored trace: the app runtime records each request's messages and answer (`request`, `answer`). */
export type ReplayableTrace = Trace

/** The messages a trace can be replayed with, or null when it did not store them. */
export function replayMessages(trace: Trace): ChatMessage[] | null {
  const messages = trace.request?.messages
  return Array.isArray(messages) && messages.length ? messages : null
}

export interface ReplayState {
  traceId: string
  running: boolean
  content: string
  result: ChatResult | null
}

export interface TracesState {
  filters: TraceFilters
  traces: TraceSummary[]
  nextCursor: string | null
  loading: boolean
  selected: ReplayableTrace | null
  replay: ReplayState | null
  setFilters(patch: Partial<TraceFilters>): Promise<void>
  refresh(): Promise<void>
  more(): Promise<void>
  open(id: string): Promise<void>
  close(): void
  startReplay(pipeline?: string): Promise<void>
  attach(): () => void
}

export type TracesStore = StoreApi<TracesState>

/** Whether a live trace belongs in the filtered list (the server filters the stored ones). */
const matches = (t: TraceSummary, f: TraceFilters): boolean =>
  (!f.pipeline || t.pipeline === f.pipeline) &&
  (!f.status || t.status === f.status) &&
  (!f.node.trim() || t.route.includes(f.node.trim()))

/** The request-log store. */
export function createTracesStore(deps: StoreDeps): TracesStore {
  return createStore<TracesState>((set, get) => {
    // Filters change per keystroke: only the newest list request may set the list.
    let seq = 0
    const page = async (cursor?: string): Promise<OutputOf<'traces.list'> | null> => {
      const f = get().filters
      return call(deps, 'Could not list requests', 'traces.list', {
        limit: 50,
        ...(f.pipeline ? { pipeline: f.pipeline } : {}),
        ...(f.status ? { status: f.status } : {}),
        ...(f.node.trim() ? { node: f.node.trim() } : {}),
        ...(cursor ? { cursor } : {})
      })
    }
    return {
      filters: { pipeline: '', status: '', node: '' },
      traces: [],
      nextCursor: null,
      loading: false,
      selected: null,
      replay: null,
      async setFilters(patch) {
        set({ filters: { ...get().filters, ...patch } })
        await get().refresh()
      },
      async refresh() {
        set({ loading: true })
        const mine = ++seq
        const data = await page()
        if (mine !== seq) return
        set({
          loading: false,
          ...(data ? { traces: data.traces, nextCursor: data.nextCursor } : {})
        })
      },
      async more() {
        const cursor = get().nextCursor
        if (!cursor) return
        const data = await page(cursor)
        if (data)
          set({
            traces: [...get().traces, ...data.traces],
            nextCursor: data.nextCursor
          })
      },
      async open(id) {
        const data = await call(deps, 'Could not open the request', 'traces.get', { id })
        if (data) set({ selected: data, replay: null })
      },
      close() {
        set({ selected: null, replay: null })
      },
      async startReplay(pipeline) {
        const trace = get().selected
        if (!trace) return
        const messages = replayMessages(trace)
        if (!messages) {
          deps.toasts
            .getState()
            .push('error', 'This request was logged without its messages, so it cannot be replayed')
          return
        }
        const replay: ReplayState = { traceId: trace.id, running: true, content: '', result: null }
        set({ replay })
        const patch = (p: Partial<ReplayState>): void => {
          const r = get().replay
          if (r?.traceId === trace.id) set({ replay: { ...r, ...p } })
        }
        const params = trace.request?.params ?? {}
        const chat = runChat(
          deps.platform,
          {
            pipeline: pipeline ?? trace.pipeline,
            messages,
            params: {
              ...(typeof params.temperature === 'number'
                ? { temperature: params.temperature }
                : {}),
              ...(typeof params.max_tokens === 'number' ? { max_tokens: params.max_tokens } : {})
            }
          },
          (content) => patch({ content })
        )
        const result = await chat.done
        patch({ running: false, content: result.content, result })
        if (result.error) deps.toasts.getState().error(result.error, 'The replay failed')
      },
      attach() {
        return deps.platform.on('trace', (t) => {
          const { hops: _hops, ...summary } = t
          if (!matches(summary, get().filters)) return
          if (get().traces.some((x) => x.id === t.id)) return
          set({ traces: [summary, ...get().traces] })
        })
      }
    }
  })
}
