/**
 * @module The open pipeline: toolbar (save, default, enable, export, remove), the editor with
 * inline validation, the graph, and the version history.
 */
import { useMemo, useState } from 'react'
import { CodeEditor, PipelineGraph, VersionHistory } from '../../components/lazy'
import { isPipelineName } from '../../../../shared/pipeline-name'
import { readComposition } from '../../lib/composition'
import { useS, useStores } from '../../stores'
import { RunConfirm } from './RunConfirm'

/** Downloads text as a file (export): a blob URL, no request. */
function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

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
  const errors = draft.diagnostics.filter((d) => d.severity === 'error')
  const dirty = draft.text !== draft.savedText
  const validName = isPipelineName(draft.name)

  return (
    <section className="detail" aria-label={`Pipeline ${draft.name}`}>
      <div className="toolbar wrap">
        {draft.isNew ? (
          <label className="inline">
            Name{' '}
            <input
              value={draft.name}
              onChange={(e) => p.setName(e.target.value)}
              aria-invalid={!validName}
              data-testid="pipeline-name"
            />
          </label>
        ) : (
          <h2 className="title">{draft.name}</h2>
        )}
        <select
          aria-label="Format"
          value={draft.format}
          onChange={(e) => p.setFormat(e.target.value as 'json' | 'yaml')}
        >
          <option value="json">JSON</option>
          <option value="yaml">YAML</option>
        </select>
        <span
          className={errors.length ? 'bad' : 'ok'}
          data-testid="validation-status"
          aria-live="polite"
        >
          {draft.validating
            ? 'checking…'
            : errors.length
              ? `${errors.length} error${errors.length === 1 ? '' : 's'}`
              : 'valid'}
        </span>
        <span className="grow" />
        <button
          className="primary"
          disabled={!validName || errors.length > 0 || (!dirty && !draft.isNew)}
          title={errors.length ? 'Fix the errors in the text first' : undefined}
          onClick={() => void p.save()}
          data-testid="save"
        >
          {draft.isNew ? 'Save to library' : 'Save'}
        </button>
        {summary && (
          <>
            <button
              disabled={summary.isDefault}
              onClick={() => void p.setDefault(summary.name)}
              data-testid="set-default"
            >
              {summary.isDefault ? 'Is the default' : 'Make default'}
            </button>
            <button onClick={() => void p.setEnabled(summary.name, !summary.enabled)}>
              {summary.enabled ? 'Disable' : 'Enable'}
            </button>
          </>
        )}
        <button onClick={() => download(`${draft.name}.${draft.format}`, draft.text)}>
          Export
        </button>
        {summary && summary.source === 'library' && (
          <button
            className="danger"
            onClick={() => {
              if (window.confirm(`Remove ${summary.name} and all its versions?`))
                void p.remove(summary.name)
            }}
          >
            Remove
          </button>
        )}
      </div>
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
