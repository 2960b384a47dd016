/**
 * @module The Eval page: evaluation sets (cases, last run's accuracy), one set's JSONL cases in
 * the editor with marks at the line that is wrong, runs against one pipeline or two (or stored
 * versions) with live progress, the run history with accuracy up or down, and a run's report.
 */
import { lazy, Suspense, useEffect, useState } from 'react'
import type { EvalTarget } from '../../../../shared/contract/evals'
import { EmptyState } from '../../components/EmptyState'
import { formatTime } from '../../lib/format'
import { useS, useStores } from '../../stores'
import { accuracyDelta, percent, targetLabel } from './format'
import { RunReport } from './RunReport'
import { TargetPicker } from './TargetPicker'
import './eval.css'
import { ConfirmButton } from '../../components/ConfirmButton'
import { DataTable } from '../../components/DataTable'

// CodeMirror is its own chunk, fetched when a set is first opened (not with the first page).
const CodeEditor = lazy(() =>
  import('../../components/CodeEditor').then((m) => ({ default: m.CodeEditor }))
)

const EXAMPLE = '{"id": "inv-1", "input": "my invoice is wrong", "expect": {"route": "billing"}}'

function NewSet(): React.JSX.Element {
  const s = useStores()
  const [name, setName] = useState('')
  const valid = /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault()
        if (!valid) return
        s.evals.getState().newSet(name)
        setName('')
      }}
    >
      <label className="inline">
        New set{' '}
        <input
          value={name}
          onChange={(e) => setName(e.target.value.trim())}
          placeholder="name"
          className="narrow"
          data-testid="new-set-name"
        />
      </label>
      <button type="submit" disabled={!valid} data-testid="new-set">
        Create
      </button>
    </form>
  )
}

function Progress(): React.JSX.Element | null {
  const s = useStores()
  const active = useS(s.evals, (e) => e.active)
  if (!active) return null
  return (
    <div className="eval-progress" data-testid="eval-progress" role="status">
      <progress value={active.done} max={Math.max(active.total, 1)} aria-label="Cases run" />
      <span>
        {active.done} of {active.total} cases · {active.passed} passed
      </span>
      <button className="small-button" onClick={() => void s.evals.getState().cancel()}>
        Cancel
      </button>
    </div>
  )
}

function RunPanel(props: { disabled: boolean }): React.JSX.Element {
  const s = useStores()
  const running = useS(s.evals, (e) => e.active !== null)
  const first = useS(s.pipelines, (p) => p.list[0]?.name ?? null)
  const [chosen, setTarget] = useState<EvalTarget | null>(null)
  const [compare, setCompare] = useState(false)
  const [against, setAgainst] = useState<EvalTarget | null>(null)
  const target = chosen ?? (first ? { pipeline: first } : null)
  const ready = target && (!compare || against)
  return (
    <section className="eval-run-panel" aria-label="Run the set">
      <div className="toolbar wrap">
        <TargetPicker label="Run on" value={target} onChange={setTarget} testid="target" />
        <label className="inline">
          <input
            type="checkbox"
            checked={compare}
            onChange={(e) => setCompare(e.target.checked)}
            data-testid="compare"
          />{' '}
          against a second
        </label>
        {compare && (
          <TargetPicker label="Against" value={against} onChange={setAgainst} testid="against" />
        )}
        <button
          className="primary"
          disabled={!ready || running || props.disabled}
          title={props.disabled ? 'Save the set first' : undefined}
          onClick={() =>
            target &&
            void s.evals.getState().start(target, compare ? (against ?? undefined) : undefined)
          }
          data-testid="run-set"
        >
          {running ? 'Running…' : 'Run'}
        </button>
      </div>
      <Progress />
    </section>
  )
}

function History(): React.JSX.Element | null {
  const s = useStores()
  const runs = useS(s.evals, (e) => e.runs)
  const open = useS(s.evals, (e) => e.run?.id ?? null)
  if (runs.length === 0) return <p className="muted small">Not run yet.</p>
  return (
    <DataTable
      testId="run-history"
      compact
      caption={'Runs, newest first'}
      columns={['Started', 'Target', 'Passed', 'Accuracy', 'Change', 'Status']}
    >
      {runs.map((r, i) => {
        const before = runs.slice(i + 1).find((x) => x.status === 'done' && x.accuracy !== null)
        const delta = r.status === 'done' ? accuracyDelta(r.accuracy, before?.accuracy) : null
        return (
          <tr key={r.id} className={open === r.id ? 'selected' : undefined} data-run={r.id}>
            <td>
              <button className="link" onClick={() => void s.evals.getState().openRun(r.id)}>
                {formatTime(r.startedAt)}
              </button>
            </td>
            <td>
              {targetLabel(r.target)}
              {r.against && <> vs {targetLabel(r.against)}</>}
            </td>
            <td>{r.passed === null ? '—' : `${r.passed} / ${r.total}`}</td>
            <td>
              {percent(r.accuracy)}
              {r.against && <> vs {percent(r.againstAccuracy)}</>}
            </td>
            <td data-testid="run-delta">
              {delta === null ? (
                <span className="muted">—</span>
              ) : delta > 0 ? (
                <span className="ok">▲ up {delta} pts</span>
              ) : delta < 0 ? (
                <span className="bad">▼ down {-delta} pts</span>
              ) : (
                <span className="muted">= same</span>
              )}
            </td>
            <td className={r.status === 'failed' ? 'bad' : undefined}>{r.status}</td>
          </tr>
        )
      })}
    </DataTable>
  )
}

function SetDetail(): React.JSX.Element | null {
  const s = useStores()
  const draft = useS(s.evals, (e) => e.draft)
  const run = useS(s.evals, (e) => e.run)
  if (!draft) return null
  const errors = draft.diagnostics.filter((d) => d.severity === 'error')
  const dirty = draft.text !== draft.savedText || draft.isNew
  const api = s.evals.getState()
  return (
    <section className="detail eval-set" data-testid="eval-set" aria-label={`Set ${draft.name}`}>
      <div className="toolbar wrap">
        <h2 className="title">{draft.name}</h2>
        <span className="muted small" data-testid="set-status">
          {draft.cases} {draft.cases === 1 ? 'case' : 'cases'}
          {errors.length > 0 && (
            <span className="bad">
              {' '}
              · {errors.length} {errors.length === 1 ? 'error' : 'errors'}
            </span>
          )}
          {dirty && !draft.isNew && ' · unsaved'}
          {draft.isNew && ' · new'}
        </span>
        <span className="grow" />
        <button
          className="primary"
          disabled={!dirty || errors.length > 0}
          onClick={() => void api.save()}
          data-testid="save-set"
        >
          Save
        </button>
        {!draft.isNew && (
          <ConfirmButton
            question={`Delete the set ${draft.name} and its runs?`}
            onConfirm={() => api.remove(draft.name)}
          >
            Delete
          </ConfirmButton>
        )}
        <button onClick={() => api.close()}>Close</button>
      </div>
      <p className="muted small">
        One case a line: <code>{EXAMPLE}</code>. <code>input</code> or <code>messages</code>; every{' '}
        <code>expect</code> key is optional (route, contains, not_contains, matches, json_schema,
        max_ms).
      </p>
      <Suspense fallback={<p className="muted">Loading the editor…</p>}>
        <CodeEditor
          value={draft.text}
          format="json"
          diagnostics={draft.diagnostics}
          onChange={(text) => api.setText(text)}
          label={`Cases of ${draft.name} (JSONL)`}
        />
      </Suspense>
      {draft.diagnostics.length > 0 && (
        <ul className="diagnostics" data-testid="diagnostics">
          {draft.diagnostics.map((d, i) => (
            <li key={i} className={d.severity}>
              line {d.line}:{d.column} {d.message}
            </li>
          ))}
        </ul>
      )}
      <RunPanel disabled={dirty} />
      <History />
      {run && <RunReport run={run} onClose={() => api.closeRun()} />}
    </section>
  )
}

function SetList(): React.JSX.Element {
  const s = useStores()
  const sets = useS(s.evals, (e) => e.sets)
  const open = useS(s.evals, (e) => e.draft?.name ?? null)
  return (
    <DataTable
      testId="eval-sets"
      columns={['Set', 'Cases', 'Last run', 'Passed', 'Routing accuracy']}
    >
      {sets.map((x) => (
        <tr key={x.name} className={open === x.name ? 'selected' : undefined} data-set={x.name}>
          <td>
            <button className="link" onClick={() => void s.evals.getState().open(x.name)}>
              {x.name}
            </button>
          </td>
          <td>{x.cases}</td>
          <td>
            {x.lastRun ? formatTime(x.lastRun.startedAt) : <span className="muted">never</span>}
          </td>
          <td>{x.lastRun ? `${x.lastRun.passed} / ${x.lastRun.total}` : '—'}</td>
          <td data-testid="set-accuracy">{x.lastRun ? percent(x.lastRun.accuracy) : '—'}</td>
        </tr>
      ))}
    </DataTable>
  )
}

/** The Eval page. */
export function EvalPage(): React.JSX.Element {
  const s = useStores()
  const e = useS(s.evals, (x) => ({
    loaded: x.loaded,
    loading: x.loading,
    error: x.error,
    count: x.sets.length,
    draft: x.draft !== null
  }))
  useEffect(() => {
    void s.evals.getState().refresh()
  }, [s.evals])
  let body: React.JSX.Element
  if (!e.loaded)
    body = (
      <p className="muted" data-testid="eval-loading">
        Loading sets…
      </p>
    )
  else if (e.error)
    body = (
      <div className="banner error" role="alert" data-testid="eval-error">
        Could not list evaluation sets: {e.error}{' '}
        <button className="small-button" onClick={() => void s.evals.getState().refresh()}>
          Retry
        </button>
      </div>
    )
  else if (e.count === 0 && !e.draft)
    body = (
      <EmptyState
        title="No evaluation sets"
        action={<a href="#/requests">Add a case from a logged request</a>}
      >
        An evaluation set is a list of inputs with the route each should take. Name a set above and
        write its cases, or pick a request on the Requests page and add it with the route it took
        (or the right one).
      </EmptyState>
    )
  else body = <SetList />
  return (
    <div className="page eval-page" data-testid="page-eval">
      <div className="toolbar wrap">
        <h1 tabIndex={-1}>Eval</h1>
        <span className="grow" />
        <NewSet />
      </div>
      {body}
      <SetDetail />
    </div>
  )
}
