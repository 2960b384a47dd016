/**
 * @module Pages loaded on demand: each is its own chunk, fetched the first time it is opened, so
 * the first page does not wait for them (kept apart from lazy.tsx, which these pages import).
 */
import { lazy, Suspense } from 'react'
import { Loading } from './lazy'

const EvalPageChunk = lazy(() =>
  import('../features/eval/EvalPage').then((m) => ({ default: m.EvalPage }))
)

/** The Eval page (its editor, reports and grids), loaded when it is first opened. */
export function EvalPage(): React.JSX.Element {
  return (
    <Suspense fallback={<Loading height={200} />}>
      <EvalPageChunk />
    </Suspense>
  )
}

const DiscoverViewChunk = lazy(() =>
  import('../features/models/DiscoverView').then((m) => ({ default: m.DiscoverView }))
)

/** Models → Discover (Hugging Face search, fit, download), loaded when it is first opened. */
export function DiscoverView(): React.JSX.Element {
  return (
    <Suspense fallback={<Loading height={200} />}>
      <DiscoverViewChunk />
    </Suspense>
  )
}

const SecretsPageChunk = lazy(() =>
  import('../features/secrets/SecretsPage').then((m) => ({ default: m.SecretsPage }))
)

/** Hooks & secrets, loaded when it is first opened. */
export function SecretsPage(): React.JSX.Element {
  return (
    <Suspense fallback={<Loading height={200} />}>
      <SecretsPageChunk />
    </Suspense>
  )
}

const SettingsPageChunk = lazy(() =>
  import('../features/settings/SettingsPage').then((m) => ({ default: m.SettingsPage }))
)

/** Settings, loaded when it is first opened. */
export function SettingsPage(): React.JSX.Element {
  return (
    <Suspense fallback={<Loading height={200} />}>
      <SettingsPageChunk />
    </Suspense>
  )
}

const RequestsPageChunk = lazy(() =>
  import('../features/requests/RequestsPage').then((m) => ({ default: m.RequestsPage }))
)

/** Requests (the stored traces, replay, add to an eval set), loaded when it is first opened. */
export function RequestsPage(): React.JSX.Element {
  return (
    <Suspense fallback={<Loading height={200} />}>
      <RequestsPageChunk />
    </Suspense>
  )
}

const PipelineDetailChunk = lazy(() =>
  import('../features/pipelines/PipelineDetail').then((m) => ({ default: m.PipelineDetail }))
)

/**
 * The open pipeline (its graph, editor and versions), loaded when a pipeline is first opened: it
 * reads the composition's text, and the YAML and JSONC parsers that takes stay out of the first
 * script.
 */
export function PipelineDetail(): React.JSX.Element {
  return (
    <Suspense fallback={<Loading height={200} />}>
      <PipelineDetailChunk />
    </Suspense>
  )
}
