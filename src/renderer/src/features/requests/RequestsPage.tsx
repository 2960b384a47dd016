/**
 * @module The request log: persisted traces with filters, one trace's route in detail, and
 * replay against the pipeline as it is now, old and new side by side.
 */
import { useEffect, useMemo } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { PipelineGraph } from '../../components/lazy'
import { RouteView } from '../../components/RouteView'
import { readComposition } from '../../lib/composition'
import { formatMs, formatTime } from '../../lib/format'
import { useComposition } from '../../lib/use-composition'
import { useS, useStores } from '../../stores'
import { replayMessages, type TraceFilters, type TraceSummary } from '../../stores/traces-store'
import { AddToEvalSet } from '../eval/AddToEvalSet'
import { DataTable } from '../../components/DataTable'

function Detail(): React.JSX.Element | null {
  const s = useStores()
  const trace = useS(s.traces, (t) => t.selected)
  const replay = useS(s.traces, (t) => t.replay)
  const composition = useComposition(trace?.pipeline ?? null)
  if (!trace) return null
  const messages = replayMessages(trace)
  const newTrace = replay?.result?.trace ?? null
  return (
    <section className="detail" data-testid="trace-detail" aria-label="Request detail">
      <div className="toolbar wrap">
        <h2 className="title">
          {trace.pipeline} · {formatTime(trace.startedAt)}
        </h2>
        <span className={trace.status === 'ok' ? 'ok' : 'bad'}>{trace.status}</span>
        <span className="muted" data-testid="trace-app">
          from {trace.app ? <strong>{trace.app}</strong> : 'an unnamed client'}
        </span>
        <span className="grow" />
        <AddToEvalSet key={trace.id} trace={trace} />
        <button
          className="primary"
          disabled={!messages || replay?.running}
          title={
            messages
              ? 'Run this request again against the current pipeline'
              : 'This trace did not store its request'
          }
          onClick={() => void s.traces.getState().startReplay()}
          data-testid="replay"
        >
          {replay?.running ? 'Replaying…' : 'Replay'}
        </button>
        <button onClick={() => s.traces.getState().close()}>Close</button>
      </div>
      {!messages && (
        <p className="muted small">
          This request was logged without its messages, so it cannot be replayed.
        </p>
      )}
      {trace.error && (
        <div className="banner error">
          {trace.error.message} ({trace.error.code})
        </div>
      )}
      {messages && (
        <details>
          <summary>
            Request ({messages.length} {messages.length === 1 ? 'message' : 'messages'})
          </summary>
          <pre>{JSON.stringify(messages, null, 2)}</pre>
        </details>
      )}
      <div className={replay ? 'side-by-side' : undefined} data-testid="replay-compare">
        <div>
          {replay && <h3>Logged</h3>}
          <PipelineGraph
            composition={composition}
            route={trace.route}
            height={220}
            routeText={false}
          />
          {trace.answer !== undefined && (
            <pre className="answer" data-testid="logged-answer">
              {trace.answer}
            </pre>
          )}
          <RouteView trace={trace} />
        </div>
        {replay && (
          <div data-testid="replay-result">
            <h3>Replayed now</h3>
            <PipelineGraph
              composition={composition}
              route={newTrace?.route ?? []}
              height={220}
              routeText={false}
            />
            <pre className="answer">{replay.content || (replay.running ? '…' : '')}</pre>
            {replay.result?.error && <div className="bad">{replay.result.error.message}</div>}
            {newTrace && <RouteView trace={newTrace} />}
          </div>
        )}
      </div>
    </section>
  )
}

/**
 * The node names a filter can pick: the nodes of the pipelines' compositions (of the picked
 * pipeline, when one is), the nodes of the listed requests' routes, and the current choice.
 */
function useNodeChoices(pipeline: string, current: string, routes: string[][]): string[] {
  const s = useStores()
  const names = useS(s.pipelines, (p) => p.list.map((x) => x.name))
  const texts = useS(s.pipelines, (p) => p.texts)
  useEffect(() => {
    for (const name of names)
      if (!s.pipelines.getState().texts[name]) void s.pipelines.getState().loadText(name)
  }, [names, s.pipelines])
  return useMemo(() => {
    const out = new Set<string>()
    for (const name of pipeline ? [pipeline] : names) {
      const entry = texts[name]
      const c = entry && readComposition(entry.text, entry.format)
      for (const n of c?.architecture ?? []) if (n.name) out.add(n.name)
    }
    for (const route of routes) for (const n of route) out.add(n)
    if (current) out.add(current)
    return [...out].sort((a, b) => a.localeCompare(b))
  }, [pipeline, current, routes, names, texts])
}

/** The Requests page. */
export function RequestsPage(): React.JSX.Element {
  const s = useStores()
  const t = useS(s.traces, (x) => x)
  useEffect(() => {
    void s.traces.getState().refresh()
  }, [s.traces])
  const api = s.traces.getState()
  return (
    <div className="page" data-testid="page-requests">
      <FiltersBar filters={t.filters} traces={t.traces} />
      {t.selected && <Detail />}
      <TraceList />
      {t.nextCursor && <button onClick={() => void api.more()}>Load more</button>}
    </div>
  )
}

/** The page's title and its three filters (pipeline, status, node on the route). */
function FiltersBar(props: { filters: TraceFilters; traces: TraceSummary[] }): React.JSX.Element {
  const s = useStores()
  const pipelines = useS(s.pipelines, (p) => p.list)
  const api = s.traces.getState()
  const f = props.filters
  const routes = useMemo(() => props.traces.map((x) => x.route), [props.traces])
  const nodes = useNodeChoices(f.pipeline, f.node, routes)
  return (
    <div className="toolbar wrap">
      <h1 tabIndex={-1}>Requests</h1>
      <span className="grow" />
      <label className="inline">
        Pipeline{' '}
        <select
          value={f.pipeline}
          onChange={(e) => void api.setFilters({ pipeline: e.target.value })}
        >
          <option value="">all</option>
          {pipelines.map((p) => (
            <option key={p.name}>{p.name}</option>
          ))}
        </select>
      </label>
      <label className="inline">
        Status{' '}
        <select
          value={f.status}
          onChange={(e) => void api.setFilters({ status: e.target.value as '' | 'ok' | 'error' })}
          data-testid="filter-status"
        >
          <option value="">all</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
        </select>
      </label>
      <label className="inline">
        Node{' '}
        <select
          value={f.node}
          onChange={(e) => void api.setFilters({ node: e.target.value })}
          data-testid="filter-node"
        >
          <option value="">any</option>
          {nodes.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
      </label>
    </div>
  )
}

/** The listed requests, or why there are none (filters that match nothing, loading, empty log). */
function TraceList(): React.JSX.Element {
  const s = useStores()
  const t = useS(s.traces, (x) => x)
  const api = s.traces.getState()
  const filtered = !!(t.filters.pipeline || t.filters.status || t.filters.node)
  if (t.traces.length === 0 && !t.loading && filtered)
    return (
      <EmptyState
        title="No request matches these filters"
        action={
          <button
            onClick={() => void api.setFilters({ pipeline: '', status: '', node: '' })}
            data-testid="clear-filters"
          >
            Clear the filters
          </button>
        }
      >
        No logged request has{' '}
        {[
          t.filters.pipeline && `pipeline ${t.filters.pipeline}`,
          t.filters.status && `status ${t.filters.status}`,
          t.filters.node && `node ${t.filters.node} on its route`
        ]
          .filter(Boolean)
          .join(', ')}
        .
      </EmptyState>
    )
  if (t.traces.length === 0 && t.loading) return <p className="muted">Loading…</p>
  if (t.traces.length === 0)
    return (
      <EmptyState title="No requests logged" action={<a href="#/chat">Open the chat tester</a>}>
        Every request to the endpoint (and every chat here) is logged with its route. Send one from
        the chat tester or a client; it appears here at once.
      </EmptyState>
    )
  return (
    <DataTable
      testId="trace-table"
      columns={['Time', 'Pipeline', 'App', 'Route', 'Status', 'Duration', 'Tokens']}
    >
      {t.traces.map((x) => (
        <tr key={x.id} className={t.selected?.id === x.id ? 'selected' : undefined}>
          <td>
            <button className="link" onClick={() => void api.open(x.id)}>
              {formatTime(x.startedAt)}
            </button>
          </td>
          <td>{x.pipeline}</td>
          <td data-testid="trace-app-cell">{x.app ?? <span className="muted">—</span>}</td>
          <td className="ellipsis">{x.route.join(' → ')}</td>
          <td className={x.status === 'ok' ? 'ok' : 'bad'}>{x.error?.code ?? x.status}</td>
          <td>{formatMs(x.durationMs)}</td>
          <td>{x.usage.total_tokens}</td>
        </tr>
      ))}
    </DataTable>
  )
}
