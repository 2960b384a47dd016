import type { PullProgress } from '../../stores/models-store'
import { formatBytes } from '../../lib/format'

/** One download: a progress bar, bytes, and Cancel while running. */
export function PullProgressBar(props: {
  pull: PullProgress
  onCancel: () => void
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
      </div>
      <progress max={100} value={pct ?? undefined} aria-label={`Download of ${pull.source}`} />
      {pull.error && <div className="bad small">{pull.error}</div>}
    </div>
  )
}
