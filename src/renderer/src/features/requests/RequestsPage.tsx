/**
 * @module The request log: persisted traces with filters, one trace's route in detail, and
 * replay against the pipeline as it is now, old and new side by side.
 */
import { useEffect } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { PipelineGraph } from '../../components/PipelineGraph'
import { RouteView } from '../../components/RouteView'
import { formatMs, formatTime } from '../../lib/format'
import { useComposition } from '../../lib/use-composition'
import { useS, useStores } from '../../stores'
import { replayMessages } from '../../stores/traces-store'
import { AddToEvalSet } from '../eval/AddToEvalSet'

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
        <h3 className="title">
          {trace.pipeline} · {formatTime(trace.startedAt)}
        </h3>
        <span className={trace.status === 'ok' ? 'ok' : 'bad'}>{trace.status}</span>
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
          {replay && <h4>Logged</h4>}
          <PipelineGraph composition={composition} route={trace.route} height={220} />
          {trace.answer !== undefined && (
            <pre className="answer" data-testid="logged-answer">
              {trace.answer}
            </pre>
          )}
          <RouteView trace={trace} />
        </div>
        {replay && (
          <div data-testid="replay-result">
            <h4>Replayed now</h4>
            <PipelineGraph composition={composition} route={newTrace?.route ?? []} height={220} />
            <pre className="answer">{replay.content || (replay.running ? '…' : '')}</pre>
            {replay.result?.error && <div className="bad">{replay.result.error.message}</div>}
            {newTrace && <RouteView trace={newTrace} />}
          </div>
        )}
      </div>
    </section>
  )
}

/** The Requests page. */
export function RequestsPage(): React.JSX.Element {
  const s = useStores()
  const t = useS(s.traces, (x) => x)
  const pipelines = useS(s.pipelines, (p) => p.list)
  useEffect(() => {
    void s.traces.getState().refresh()
  }, [s.traces])
  const api = s.traces.getState()
  return (
    <div className="page" data-testid="page-requests">
      <div className="toolbar wrap">
        <h2>Requests</h2>
        <span className="grow" />
        <label className="inline">
          Pipeline{' '}
          <select
            value={t.filters.pipeline}
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
            value={t.filters.status}
            onChange={(e) => void api.setFilters({ status: e.target.value as '' | 'ok' | 'error' })}
          >
            <option value="">all</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
          </select>
        </label>
        <label className="inline">
          Node{' '}
          <input
            value={t.filters.node}
            onChange={(e) => void api.setFilters({ node: e.target.value.trim() })}
            placeholder="any"
            className="narrow"
            data-testid="filter-node"
          />
        </label>
      </div>
      {t.selected && <Detail />}
      {t.traces.length === 0 && !t.loading ? (
        <EmptyState title="No requests logged" action={<a href="#/chat">Open the chat tester</a>}>
          Every request to the endpoint (and every chat here) is logged with its route. Send one
          from the chat tester or a client; it appears here at once.
        </EmptyState>
      ) : (
        <table className="table" data-testid="trace-table">
          <thead>
            <tr>
              <th>Time</th>
              <th>Pipeline</th>
              <th>Route</th>
              <th>Status</th>
              <th>Duration</th>
              <th>Tokens</th>
            </tr>
          </thead>
          <tbody>
            {t.traces.map((x) => (
              <tr key={x.id} className={t.selected?.id === x.id ? 'selected' : undefined}>
                <td>
                  <button className="link" onClick={() => void api.open(x.id)}>
                    {formatTime(x.startedAt)}
                  </button>
                </td>
                <td>{x.pipeline}</td>
                <td className="ellipsis">{x.route.join(' → ')}</td>
                <td className={x.status === 'ok' ? 'ok' : 'bad'}>{x.error?.code ?? x.status}</td>
                <td>{formatMs(x.durationMs)}</td>
                <td>{x.usage.total_tokens}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {t.nextCursor && <button onClick={() => void api.more()}>Load more</button>}
    </div>
  )
}
