import type { PullProgress } from '../../stores/models-store'
import { formatBytes } from '../../lib/format'

/**
 * One download: a progress bar while it runs (full when done, none once it failed or was
 * cancelled, so nothing keeps moving), bytes, Cancel while running, and Clear after.
 */
export function PullProgressBar(props: {
  pull: PullProgress
  onCancel: () => void
  onClear?: () => void
}): React.JSX.Element {
  const { pull } = props
  const pct = pull.totalBytes ? Math.min(100, (pull.completedBytes / pull.totalBytes) * 100) : null
  return (
    <div className="pull" data-testid="pull" data-state={pull.state}>
      <div className="row">
        <span className="ellipsis grow">{pull.source}</span>
        <span className="muted small">
          {formatBytes(pull.completedBytes)}
          {pull.totalBytes ? ` of ${formatBytes(pull.totalBytes)}` : ''} · {pull.state}
        </span>
        {pull.state === 'running' && <button onClick={props.onCancel}>Cancel</button>}
        {pull.state !== 'running' && props.onClear && (
          <button className="ghost" onClick={props.onClear} aria-label={`Clear ${pull.source}`}>
            Clear
          </button>
        )}
      </div>
      {pull.state === 'running' && (
        <progress max={100} value={pct ?? undefined} aria-label={`Download of ${pull.source}`} />
      )}
      {pull.state === 'done' && (
        <progress max={100} value={100} aria-label={`Download of ${pull.source}`} />
      )}
      {pull.error && <div className="bad small">{pull.error}</div>}
    </div>
  )
}
