/**
 * @module Pages loaded on demand: each is its own chunk, fetched the first time it is opened, so
 * the first page does not wait for them (kept apart from lazy.tsx, which these pages import).
 */
import { lazy, Suspense } from 'react'
import { Loading } from './lazy'

/** A page fetched the first time it is shown, with "Loading…" meanwhile. */
function onDemand(load: () => Promise<() => React.JSX.Element | null>): () => React.JSX.Element {
  const Chunk = lazy(() => load().then((page) => ({ default: page })))
  return function OnDemand(): React.JSX.Element {
    return (
      <Suspense fallback={<Loading height={200} />}>
        <Chunk />
      </Suspense>
    )
  }
}

/** The Eval page (its editor, reports and grids), loaded when it is first opened. */
export const EvalPage = onDemand(() => import('../features/eval/EvalPage').then((m) => m.EvalPage))

/** Models → Discover (Hugging Face search, fit, download), loaded when it is first opened. */
export const DiscoverView = onDemand(() =>
  import('../features/models/DiscoverView').then((m) => m.DiscoverView)
)

/** Hooks & secrets, loaded when it is first opened. */
export const SecretsPage = onDemand(() =>
  import('../features/secrets/SecretsPage').then((m) => m.SecretsPage)
)

/** Settings, loaded when it is first opened. */
export const SettingsPage = onDemand(() =>
  import('../features/settings/SettingsPage').then((m) => m.SettingsPage)
)

/** Requests (the stored traces, replay, add to an eval set), loaded when it is first opened. */
export const RequestsPage = onDemand(() =>
  import('../features/requests/RequestsPage').then((m) => m.RequestsPage)
)

/**
 * The open pipeline (its graph, editor and versions), loaded when a pipeline is first opened: it
 * reads the composition's text, and the YAML and JSONC parsers that takes stay out of the first
 * script.
 */
export const PipelineDetail = onDemand(() =>
  import('../features/pipelines/PipelineDetail').then((m) => m.PipelineDetail)
)
