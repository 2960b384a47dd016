/**
 * @module One finished run: passed and failed, routing accuracy, the confusion grid, per-route
 * precision and recall, and the failed cases with why; for a run against a second target, both
 * reports side by side and the cases whose outcome changed.
 */
import { useEffect, useRef } from 'react'
import type { EvalReport } from '../../../../shared/eval/score'
import { formatMs, formatTime } from '../../lib/format'
import type { EvalRun } from '../../stores/evals-store'
import { ConfusionGrid } from './ConfusionGrid'
import { percent, targetLabel } from './format'
import { DataTable } from '../../components/DataTable'

function PerRoute(props: { report: EvalReport }): React.JSX.Element | null {
  const routes = Object.entries(props.report.routing.perRoute).sort(([a], [b]) =>
    a.localeCompare(b)
  )
  if (routes.length === 0) return null
  return (
    <DataTable
      testId="per-route"
      compact
      columns={['Route', 'Cases', 'Took', 'Right', 'Precision', 'Recall']}
    >
      {routes.map(([name, r]) => (
        <tr key={name}>
          <td>{name}</td>
          <td>{r.support}</td>
          <td>{r.predicted}</td>
          <td>{r.correct}</td>
          <td>{percent(r.precision)}</td>
          <td>{percent(r.recall)}</td>
        </tr>
      ))}
    </DataTable>
  )
}

/** Why a case failed, in words: its failed checks' details, or the request's error. */
export function whyFailed(c: EvalReport['cases'][number]): string {
  if (c.error) return `request failed: ${c.error.message}`
  const failed = c.checks.filter((k) => !k.passed)
  return failed.map((k) => (k.detail ? `${k.kind}: ${k.detail}` : `${k.kind} failed`)).join('; ')
}

function FailedCases(props: { report: EvalReport }): React.JSX.Element {
  const failed = props.report.cases.filter((c) => !c.passed)
  if (failed.length === 0) return <p className="ok small">Every case passed.</p>
  return (
    <DataTable
      testId="failed-cases"
      compact
      caption={`Failed cases (${failed.length})`}
      columns={['Case', 'Line', 'Expected', 'Took', 'Why']}
    >
      {failed.map((c) => (
        <tr key={c.id}>
          <td>{c.id}</td>
          <td>{c.line ?? '—'}</td>
          <td>{c.expectedRoute ?? '—'}</td>
          <td>{c.actualRoute ?? (c.route.join(' → ') || '—')}</td>
          <td className="why">{whyFailed(c)}</td>
        </tr>
      ))}
    </DataTable>
  )
}

/** One report's numbers, grid and tables. */
export function ReportView(props: { report: EvalReport; title: string }): React.JSX.Element {
  const r = props.report
  return (
    <div className="eval-report" data-testid="eval-report" data-pipeline={r.pipeline}>
      <h4>{props.title}</h4>
      <dl className="eval-figures">
        <div>
          <dt>Passed</dt>
          <dd className={r.failed ? undefined : 'ok'} data-testid="report-passed">
            {r.passed} / {r.total}
          </dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd className={r.failed ? 'bad' : undefined}>{r.failed}</dd>
        </div>
        <div>
          <dt>Routing accuracy</dt>
          <dd data-testid="report-accuracy">
            {percent(r.routing.accuracy)}
            <span className="muted small">
              {' '}
              ({r.routing.correct}/{r.routing.cases})
            </span>
          </dd>
        </div>
        <div>
          <dt>Latency p50 / p95</dt>
          <dd>
            {r.latency.overall.p50 === null ? '—' : formatMs(r.latency.overall.p50)} /{' '}
            {r.latency.overall.p95 === null ? '—' : formatMs(r.latency.overall.p95)}
          </dd>
        </div>
      </dl>
      <ConfusionGrid
        confusion={r.routing.confusion}
        label={`Confusion matrix of ${r.pipeline}: expected route by row, route taken by column`}
      />
      <PerRoute report={r} />
      <FailedCases report={r} />
    </div>
  )
}

/** The changed cases of a run against a second target. */
function Changed(props: { run: EvalRun }): React.JSX.Element {
  const { run } = props
  if (run.changed.length === 0) return <p className="muted small">No case changed outcome.</p>
  const side = (s: EvalRun['changed'][number]['before']): string =>
    `${s.passed ? 'passed' : 'failed'}${s.actualRoute ? ` · ${s.actualRoute}` : ''}`
  return (
    <DataTable
      testId="changed-cases"
      compact
      caption={`Cases whose outcome changed (${run.changed.length})`}
      columns={['Case', targetLabel(run.target), targetLabel(run.against)]}
    >
      {run.changed.map((c) => (
        <tr key={c.id}>
          <td>{c.id}</td>
          <td className={c.before.passed ? 'ok' : 'bad'}>{side(c.before)}</td>
          <td className={c.after.passed ? 'ok' : 'bad'}>{side(c.after)}</td>
        </tr>
      ))}
    </DataTable>
  )
}

/** A stored run in full. */
export function RunReport(props: { run: EvalRun; onClose?: () => void }): React.JSX.Element {
  const { run } = props
  const ref = useRef<HTMLElement>(null)
  // A run opens below the editor and the history: bring it into view.
  useEffect(() => {
    ref.current?.scrollIntoView?.({ block: 'start' })
  }, [run.id])
  return (
    <section className="eval-run" data-testid="eval-run" aria-label="Run report" ref={ref}>
      <div className="toolbar wrap">
        <h2 className="title">
          Run of {run.set} on {targetLabel(run.target)}
          {run.against && <> against {targetLabel(run.against)}</>}
        </h2>
        <span className="muted small">
          {formatTime(run.startedAt)}
          {run.durationMs !== null && <> · {formatMs(run.durationMs)}</>}
        </span>
        <span className="grow" />
        {props.onClose && <button onClick={props.onClose}>Close</button>}
      </div>
      {run.status !== 'done' && (
        <div className={`banner ${run.status === 'failed' ? 'error' : ''}`}>
          This run {run.status}
          {run.error ? `: ${run.error}` : ''}
        </div>
      )}
      {run.report && (
        <div className={run.againstReport ? 'eval-compare' : undefined}>
          <ReportView report={run.report} title={targetLabel(run.target)} />
          {run.againstReport && (
            <ReportView report={run.againstReport} title={targetLabel(run.against)} />
          )}
        </div>
      )}
      {run.againstReport && <Changed run={run} />}
    </section>
  )
}
