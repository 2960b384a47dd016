/**
 * @module The open pipeline's toolbar (PipelineDetail.tsx): name or title, format, validation
 * status, Save, and for a stored pipeline Make default, Enable or Disable, Export and Remove.
 */
import { isPipelineName } from '../../../../shared/pipeline-name'
import type { Draft, PipelineSummary, PipelinesState } from '../../stores/pipelines-store'
import { ConfirmButton } from '../../components/ConfirmButton'

/** Downloads text as a file (export): a blob URL, no request. */
function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** The toolbar above the editor. */
export function PipelineToolbar(props: {
  draft: Draft
  summary: PipelineSummary | undefined
  p: PipelinesState
}): React.JSX.Element {
  const { draft, summary, p } = props
  const errors = draft.diagnostics.filter((d) => d.severity === 'error')
  const dirty = draft.text !== draft.savedText
  const validName = isPipelineName(draft.name)
  return (
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
      <button onClick={() => download(`${draft.name}.${draft.format}`, draft.text)}>Export</button>
      {summary && summary.source === 'library' && (
        <ConfirmButton
          className="danger"
          question={`Remove ${summary.name} and all its versions?`}
          onConfirm={() => p.remove(summary.name)}
        >
          Remove
        </ConfirmButton>
      )}
    </div>
  )
}
