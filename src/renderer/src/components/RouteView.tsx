/** @module Why an answer took its route: each hop's node, decision, filters, time and tokens. */
import type { Trace } from '../../../shared/trace'
import { formatMs } from '../lib/format'

/** The route of one trace, hop by hop. */
export function RouteView(props: { trace: Trace }): React.JSX.Element {
  const t = props.trace
  const cached = t.usage.prompt_tokens_details?.cached_tokens
  return (
    <div className="route-view" data-testid="route-view">
      <p className="route-line">
        <span className="muted">Route:</span>{' '}
        <strong data-testid="route-nodes">{t.route.join(' → ') || '—'}</strong>{' '}
        <span className="muted">
          · {formatMs(t.durationMs)} · {t.usage.total_tokens} tokens
          {cached ? ` (${cached} cached)` : ''}
        </span>
      </p>
      <table className="hops">
        <thead>
          <tr>
            <th>Node</th>
            <th>Action</th>
            <th>Decision</th>
            <th>Filtered out</th>
            <th>Time</th>
            <th>Tokens (in/out, cached)</th>
          </tr>
        </thead>
        <tbody>
          {t.hops.map((h, i) => (
            <tr key={i} className={h.error ? 'bad' : undefined}>
              <td>
                <code>{h.node}</code>
                {h.model && <div className="muted small">{h.model}</div>}
              </td>
              <td>
                {h.action === 'hook' ? `hook ${h.function ?? ''} (${h.mode ?? ''})` : h.action}
              </td>
              <td>
                {h.decision ? (
                  <>
                    → <code>{h.decision}</code>
                    {h.decisionSource && (
                      <span className="muted small"> by {h.decisionSource}</span>
                    )}
                  </>
                ) : (
                  '—'
                )}
                {h.error && <div className="bad small">{h.error}</div>}
              </td>
              <td>
                {h.filtered?.length
                  ? h.filtered.map((f) => (
                      <div key={f.node} className="small">
                        <code>{f.node}</code>: <code>{f.condition}</code>
                      </div>
                    ))
                  : '—'}
              </td>
              <td>
                {formatMs(h.durationMs)}
                {h.ttftMs !== undefined && (
                  <div className="muted small">first token {formatMs(h.ttftMs)}</div>
                )}
              </td>
              <td>
                {h.usage
                  ? `${h.usage.prompt_tokens}/${h.usage.completion_tokens}${
                      h.usage.prompt_tokens_details?.cached_tokens !== undefined
                        ? `, ${h.usage.prompt_tokens_details.cached_tokens} cached`
                        : ''
                    }`
                  : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
