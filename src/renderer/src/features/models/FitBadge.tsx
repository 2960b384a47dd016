import './discover.css'
import { formatBytes } from '../../lib/format'
import type { Fit, Machine } from '../../stores/discover-store'

const LABEL: Record<Fit['verdict'], string> = {
  fits: 'Fits',
  tight: 'Tight fit',
  too_big: 'Too big'
}

/** Whether a model fits this machine: a badge with the memory it needs; the sentence as title. */
export function FitBadge(props: {
  fit: Fit | 'loading' | 'failed' | undefined
}): React.JSX.Element {
  const { fit } = props
  if (fit === undefined || fit === 'loading')
    return <span className="muted small">checking fit…</span>
  if (fit === 'failed') return <span className="muted small">fit unknown</span>
  const need = fit.runsOn === 'gpu' ? fit.vramBytes : fit.ramBytes
  return (
    <span
      className={`fit fit-${fit.verdict}`}
      title={fit.summary}
      data-testid="fit"
      data-verdict={fit.verdict}
    >
      {LABEL[fit.verdict]} · {formatBytes(need)} {fit.runsOn === 'gpu' ? 'VRAM' : 'RAM'}
      {fit.method === 'estimate' ? ' (est.)' : ''}
    </span>
  )
}

/** One line on this machine's memory and GPU, as llama.cpp sees them. */
export function MachineLine(props: { machine: Machine | null }): React.JSX.Element {
  const m = props.machine
  if (!m) return <p className="muted small">Measuring this computer…</p>
  return (
    <p className="small" data-testid="machine">
      This computer: {formatBytes(m.ramFreeBytes)} RAM free of {formatBytes(m.ramTotalBytes)} ·{' '}
      {m.gpu
        ? `GPU ${m.gpu}: ${formatBytes(m.vramFreeBytes)} VRAM free of ${formatBytes(m.vramTotalBytes)}`
        : 'no GPU found: models run on the CPU from RAM'}
    </p>
  )
}
