/** @module A pipeline's versions: pick one to see its diff against the current text, restore it. */
import { useEffect, useRef, useState } from 'react'
import { MergeView } from '@codemirror/merge'
import { EditorView, basicSetup } from 'codemirror'
import { EditorState } from '@codemirror/state'
import { useS, useStores } from '../../stores'
import { formatBytes, formatTime } from '../../lib/format'

const label = (text: string) => EditorView.contentAttributes.of({ 'aria-label': text })

function Diff(props: { before: string; after: string; version: number }): React.JSX.Element {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!host.current) return
    // Not editable, but focusable: the keyboard can scroll the diff.
    const readOnly = [
      basicSetup,
      EditorState.readOnly.of(true),
      EditorView.editable.of(false),
      EditorView.contentAttributes.of({ tabindex: '0' })
    ]
    const view = new MergeView({
      a: { doc: props.before, extensions: [...readOnly, label(`Version ${props.version}`)] },
      b: { doc: props.after, extensions: [...readOnly, label("The editor's text")] },
      parent: host.current,
      collapseUnchanged: { margin: 3, minSize: 6 }
    })
    return () => view.destroy()
  }, [props.before, props.after, props.version])
  return <div className="merge" ref={host} data-testid="diff-view" />
}

/** The version list of the open pipeline. */
export function VersionHistory(props: { name: string; current: string }): React.JSX.Element {
  const s = useStores()
  const versions = useS(s.pipelines, (p) => p.versions)
  const [picked, setPicked] = useState<{ version: number; text: string } | null>(null)
  if (!versions.length)
    return <p className="muted">Saved versions appear here after the first save.</p>
  const latest = Math.max(...versions.map((v) => v.version))
  return (
    <div className="versions">
      <ul className="version-list">
        {[...versions].reverse().map((v) => (
          <li key={v.version} className={picked?.version === v.version ? 'selected' : undefined}>
            <button
              className="ghost"
              onClick={async () => {
                const text = await s.pipelines.getState().versionText(props.name, v.version)
                if (text !== null) setPicked({ version: v.version, text })
              }}
            >
              v{v.version}
              {v.version === latest && ' (latest)'} · {formatTime(v.createdAt)} ·{' '}
              {formatBytes(v.sizeBytes)}
              {v.message && <span className="muted"> · {v.message}</span>}
            </button>
          </li>
        ))}
      </ul>
      {picked && (
        <div>
          <div className="row">
            <span>v{picked.version} (left) against the editor&apos;s text (right)</span>
            <button
              disabled={picked.version === latest}
              onClick={() => void s.pipelines.getState().restore(props.name, picked.version)}
            >
              Restore v{picked.version}
            </button>
          </div>
          <Diff before={picked.text} after={props.current} version={picked.version} />
        </div>
      )}
    </div>
  )
}
