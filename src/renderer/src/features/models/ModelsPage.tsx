/**
 * @module The Models page: what runs now (state, memory, GPU offload), load and unload; the local
 * library (GGUF files and Ollama models) with delete; downloads with progress and cancel; Ollama.
 */
import { useEffect } from 'react'
import { DiscoverView } from '../../components/lazy-pages'
import { useS, useStores } from '../../stores'
import { DownloadModel, LocalModels, OllamaSection, RunningModels } from './LibrarySections'
import { ModelsViews } from './ModelsViews'

/** The Models page: the models on this computer, or `#/models/discover`. */
export function ModelsPage(): React.JSX.Element {
  const view = useS(useStores().app, (a) => (a.rest[0] === 'discover' ? 'discover' : 'library'))
  return (
    <>
      <ModelsViews current={view} />
      {view === 'discover' ? <DiscoverView /> : <LibraryView />}
    </>
  )
}

/** Models → On this computer: what runs, the local library, downloads and Ollama. */
function LibraryView(): React.JSX.Element {
  const s = useStores()
  const m = useS(s.models, (x) => x)
  useEffect(() => {
    void s.models.getState().refresh()
    void s.models.getState().refreshOllama()
  }, [s.models])
  return (
    <div className="page" data-testid="page-models">
      <h1 tabIndex={-1}>Models</h1>
      <RunningModels m={m} />
      <LocalModels m={m} />
      <DownloadModel m={m} />
      <OllamaSection m={m} />
    </div>
  )
}
