/**
 * @module CodeMirror 6 for compositions: JSON or YAML highlighting, and the server's diagnostics
 * as lint marks at their line (pushed in with `setDiagnostics`, not pulled by a linter).
 */
import { useEffect, useRef } from 'react'
import { basicSetup, EditorView } from 'codemirror'
import { Compartment, EditorState } from '@codemirror/state'
import { json } from '@codemirror/lang-json'
import { yaml } from '@codemirror/lang-yaml'
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { lintGutter, setDiagnostics } from '@codemirror/lint'
import { tags } from '@lezer/highlight'
import { toEditorDiagnostics, type PipelineDiagnostic } from '../lib/diagnostics'

export interface CodeEditorProps {
  value: string
  format: 'json' | 'yaml'
  diagnostics?: readonly PipelineDiagnostic[]
  onChange?: (text: string) => void
  readOnly?: boolean
  label: string
}

/** Token colors from the page's CSS variables, so the editor follows the light or dark theme. */
const THEMED = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--syntax-key)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--syntax-string)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--syntax-literal)' },
  { tag: [tags.comment, tags.meta], color: 'var(--muted)', fontStyle: 'italic' },
  { tag: [tags.keyword, tags.operator], color: 'var(--syntax-key)' }
])

/** A controlled CodeMirror editor. */
export function CodeEditor(props: CodeEditorProps): React.JSX.Element {
  const host = useRef<HTMLDivElement>(null)
  const view = useRef<EditorView | null>(null)
  const lang = useRef(new Compartment())
  const onChange = useRef(props.onChange)
  useEffect(() => {
    onChange.current = props.onChange
  })

  useEffect(() => {
    if (!host.current) return
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          basicSetup,
          // Ahead of basicSetup's fallback style, which is made for light backgrounds.
          syntaxHighlighting(THEMED),
          lintGutter(),
          lang.current.of(props.format === 'yaml' ? yaml() : json()),
          EditorState.readOnly.of(!!props.readOnly),
          // An explicit tab stop, so the scrolling box counts as keyboard-reachable (axe's
          // scrollable-region-focusable does not count contenteditable alone).
          EditorView.contentAttributes.of({ 'aria-label': props.label, tabindex: '0' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChange.current?.(u.state.doc.toString())
          })
        ]
      })
    })
    view.current = v
    return () => v.destroy()
    // The view is created once; later prop changes are applied by the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  useEffect(() => {
    const v = view.current
    if (v && v.state.doc.toString() !== props.value)
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } })
  }, [props.value])

  useEffect(() => {
    view.current?.dispatch({
      effects: lang.current.reconfigure(props.format === 'yaml' ? yaml() : json())
    })
  }, [props.format])

  useEffect(() => {
    const v = view.current
    if (!v) return
    const text = v.state.doc.toString()
    v.dispatch(setDiagnostics(v.state, toEditorDiagnostics(text, props.diagnostics ?? [])))
  }, [props.diagnostics, props.value])

  return <div className="code-editor" ref={host} data-testid="code-editor" />
}
