/**
 * @module The heavy parts (CodeMirror, React Flow, the markdown parser) load on demand, so the first page does not
 * wait for them: each is its own chunk, fetched when a page first shows it.
 */
import { lazy, Suspense, type ComponentProps } from 'react'
import type { CodeEditorProps } from './CodeEditor'
import type { PipelineGraph as Graph } from './PipelineGraph'
import type { VersionHistory as History } from '../features/pipelines/VersionHistory'

const CodeEditorChunk = lazy(() => import('./CodeEditor').then((m) => ({ default: m.CodeEditor })))
const PipelineGraphChunk = lazy(() =>
  import('./PipelineGraph').then((m) => ({ default: m.PipelineGraph }))
)
const VersionHistoryChunk = lazy(() =>
  import('../features/pipelines/VersionHistory').then((m) => ({ default: m.VersionHistory }))
)

const MarkdownChunk = lazy(() => import('./Markdown').then((m) => ({ default: m.Markdown })))

export const Loading = (props: { height?: number }): React.JSX.Element => (
  <div className="chunk-loading muted" style={{ minHeight: props.height }}>
    Loading…
  </div>
)

/** The composition editor (CodeMirror), loaded on first use. */
export function CodeEditor(props: CodeEditorProps): React.JSX.Element {
  return (
    <Suspense fallback={<Loading height={200} />}>
      <CodeEditorChunk {...props} />
    </Suspense>
  )
}

/** The pipeline graph (React Flow), loaded on first use. */
export function PipelineGraph(props: ComponentProps<typeof Graph>): React.JSX.Element {
  return (
    <Suspense fallback={<Loading height={props.height ?? 320} />}>
      <PipelineGraphChunk {...props} />
    </Suspense>
  )
}

/** A pipeline's versions with the diff view (CodeMirror's merge view), loaded on first use. */
export function VersionHistory(props: ComponentProps<typeof History>): React.JSX.Element {
  return (
    <Suspense fallback={<Loading />}>
      <VersionHistoryChunk {...props} />
    </Suspense>
  )
}

/** A chat answer as markdown (react-markdown), loaded on first use; the plain text meanwhile. */
export function Markdown(props: { text: string }): React.JSX.Element {
  return (
    <Suspense fallback={<div className="msg-text">{props.text}</div>}>
      <MarkdownChunk {...props} />
    </Suspense>
  )
}
