/** @module The Pipelines page: the list on the left, the open pipeline or the import panel. */
import { useEffect, useState } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { PipelineDetail } from '../../components/lazy-pages'
import { useS, useStores } from '../../stores'
import { ImportPanel } from './ImportPanel'

/** The Pipelines page; `open` is a name from the URL (`#/pipelines/<name>`). */
export function PipelinesPage(props: { open?: string }): React.JSX.Element {
  const s = useStores()
  const list = useS(s.pipelines, (p) => p.list)
  const loaded = useS(s.pipelines, (p) => p.loaded)
  const draft = useS(s.pipelines, (p) => p.draft)
  const [importing, setImporting] = useState(false)
  useEffect(() => {
    if (props.open && s.pipelines.getState().draft?.name !== props.open)
      void s.pipelines.getState().open(props.open)
  }, [props.open, s.pipelines])

  return (
    <div className="page two-col" data-testid="page-pipelines">
      <aside className="list-pane">
        <div className="row">
          <h1 tabIndex={-1}>Pipelines</h1>
          <span className="grow" />
          <button onClick={() => setImporting(true)} data-testid="import">
            Import…
          </button>
        </div>
        {loaded && list.length === 0 ? (
          <EmptyState title="No pipelines yet">
            Import a composition or pick an example to start; the welcome screen can also set one up
            with a starter model. <a href="#/welcome">Open the welcome screen</a>
          </EmptyState>
        ) : (
          <ul className="pipeline-list" data-testid="pipeline-list">
            {list.map((p) => (
              <li key={p.name}>
                <a
                  href={`#/pipelines/${encodeURIComponent(p.name)}`}
                  className={draft?.name === p.name ? 'selected' : undefined}
                  onClick={() => setImporting(false)}
                  aria-current={draft?.name === p.name ? 'page' : undefined}
                >
                  <span className="row">
                    <strong className="ellipsis">{p.name}</strong>
                    {p.isDefault && <span className="badge accent">default</span>}
                  </span>
                  <span className="muted small">
                    <span className={`state ${p.status}`}>{p.status}</span>
                    {!p.enabled && p.status !== 'disabled' && ' · disabled'}
                    {p.version !== null && ` · v${p.version}`}
                    {p.source === 'file' && ' · file'}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </aside>
      <div className="main-pane">
        {importing || (!draft && list.length === 0 && loaded) ? (
          <ImportPanel onDone={() => setImporting(false)} />
        ) : draft ? (
          <PipelineDetail />
        ) : (
          <EmptyState title="Pick a pipeline">
            Choose one in the list to edit it, see its graph and its versions, or import a new one.
          </EmptyState>
        )}
      </div>
    </div>
  )
}
