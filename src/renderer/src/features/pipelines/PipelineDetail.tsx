/**
 * @module The open pipeline: toolbar (save, default, enable, export, remove), the editor with
 * inline validation, the graph, and the version history.
 */
import { useMemo, useState } from 'react'
import { CodeEditor, PipelineGraph, VersionHistory } from '../../components/lazy'
import { readComposition } from '../../lib/composition'
import { useS, useStores } from '../../stores'
import { PipelineToolbar } from './PipelineToolbar'
import { RunConfirm } from './RunConfirm'

type Tab = 'graph' | 'history'

/** The editor side of the Pipelines page. */
export function PipelineDetail(): React.JSX.Element | null {
  const s = useStores()
  const draft = useS(s.pipelines, (p) => p.draft)
  const confirm = useS(s.pipelines, (p) => p.confirm)
  const summary = useS(s.pipelines, (p) => p.list.find((x) => x.name === p.draft?.name))
  const [tab, setTab] = useState<Tab>('graph')
  const composition = useMemo(
    () => (draft ? readComposition(draft.text, draft.format) : null),
    [draft?.text, draft?.format] // eslint-disable-line react-hooks/exhaustive-deps
  )
  if (!draft) return null
  const p = s.pipelines.getState()

  return (
    <section className="detail" aria-label={`Pipeline ${draft.name}`}>
      <PipelineToolbar draft={draft} summary={summary} p={p} />
      {summary?.error && <div className="banner error">{summary.error}</div>}
      <div className="split">
        <div className="editor-pane">
          <CodeEditor
            label={`Composition of ${draft.name}`}
            value={draft.text}
            format={draft.format}
            diagnostics={draft.diagnostics}
            onChange={(text) => p.setText(text)}
          />
          {draft.diagnostics.length > 0 && (
            <ul className="diagnostics" data-testid="diagnostics">
              {draft.diagnostics.map((d, i) => (
                <li key={i} className={d.severity}>
                  <code>
                    {d.line}:{d.column}
                  </code>{' '}
                  {d.message}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="side-pane">
          <div role="tablist" className="tabs">
            <button role="tab" aria-selected={tab === 'graph'} onClick={() => setTab('graph')}>
              Graph
            </button>
            <button
              role="tab"
              aria-selected={tab === 'history'}
              onClick={() => setTab('history')}
              disabled={draft.isNew}
            >
              History
            </button>
          </div>
          {tab === 'graph' ? (
            <PipelineGraph composition={composition} height={300} />
          ) : (
            <VersionHistory name={draft.name} current={draft.text} />
          )}
        </div>
      </div>
      {confirm && (
        <RunConfirm
          functions={confirm.functions}
          onCancel={() => p.cancelConfirm()}
          onConfirm={() => void p.save({ confirmedKey: confirm.key })}
        />
      )}
    </section>
  )
}
