/**
 * @module What to do with a downloaded hub file: a new 1-0-1 pipeline on it (then open it in
 * Chat), or add it as an expert to a router pipeline with a use-case the user types.
 */
import { useEffect, useState } from 'react'
import { findRouter } from '../../../../shared/config/add-expert'
import { parseSource } from '../../../../shared/config/source'
import { useS, useStores } from '../../stores'
import type { HubFile } from '../../stores/discover-store'

/** Names of pipelines whose composition has a router. */
function useRouterPipelines(): string[] | null {
  const s = useStores()
  const names = useS(s.pipelines, (p) => p.list.map((x) => x.name))
  const [routers, setRouters] = useState<string[] | null>(null)
  const key = names.join('\n')
  useEffect(() => {
    let live = true
    void Promise.all(
      key
        .split('\n')
        .filter(Boolean)
        .map(async (name) => {
          const res = await s.platform.request('pipelines.get', { name })
          if (!res.ok) return null
          try {
            return findRouter(parseSource(res.data.text, res.data.format).value) ? name : null
          } catch {
            return null
          }
        })
    ).then((found) => live && setRouters(found.filter((n): n is string => !!n)))
    return () => {
      live = false
    }
  }, [key, s.platform])
  return routers
}

function ExpertForm(props: {
  file: HubFile
  onDone: (pipeline: string) => void
}): React.JSX.Element {
  const s = useStores()
  const routers = useRouterPipelines()
  const [pipeline, setPipeline] = useState('')
  const [name, setName] = useState(
    props.file.fileName
      .replace(/\.gguf$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .slice(0, 40)
  )
  const [useCase, setUseCase] = useState('')
  const [busy, setBusy] = useState(false)
  const chosen = pipeline || routers?.[0] || ''
  if (routers === null) return <p className="muted small">Looking for router pipelines…</p>
  if (!routers.length)
    return (
      <p className="muted small" data-testid="no-routers">
        No pipeline has a router yet. Import one (for example dual-expert) on the Pipelines page.
      </p>
    )
  return (
    <form
      className="expert-form"
      data-testid="expert-form"
      onSubmit={(e) => {
        e.preventDefault()
        setBusy(true)
        void s.discover
          .getState()
          .addAsExpert(chosen, props.file, name.trim(), useCase)
          .then((ok) => {
            setBusy(false)
            if (ok) props.onDone(chosen)
          })
      }}
    >
      <label>
        Router pipeline
        <select value={chosen} onChange={(e) => setPipeline(e.target.value)}>
          {routers.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <label>
        Node name
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <label className="grow">
        Use-case (what the router reads to pick it)
        <input
          value={useCase}
          onChange={(e) => setUseCase(e.target.value)}
          placeholder="e.g. Questions about invoices and payments"
          required
        />
      </label>
      <button type="submit" className="primary" disabled={busy || !useCase.trim() || !name.trim()}>
        Add expert
      </button>
    </form>
  )
}

/** The two uses of a downloaded file. */
export function UseModel(props: { file: HubFile }): React.JSX.Element {
  const s = useStores()
  const [created, setCreated] = useState<string | null>(null)
  const [expertIn, setExpertIn] = useState<string | null>(null)
  const [showExpert, setShowExpert] = useState(false)
  const openChat = (name: string): void => {
    s.chat.getState().setPipeline(name)
    window.location.hash = '#/chat'
  }
  return (
    <div className="use-model" data-testid="use-model">
      <div className="row wrap">
        <button
          className="primary"
          onClick={() =>
            void s.discover
              .getState()
              .useInNewPipeline(props.file)
              .then((name) => name && setCreated(name))
          }
        >
          Use in a new pipeline
        </button>
        <button onClick={() => setShowExpert((v) => !v)} aria-expanded={showExpert}>
          Add to a pipeline as an expert…
        </button>
      </div>
      {created && (
        <p className="banner info" role="status" data-testid="pipeline-created">
          Pipeline <strong>{created}</strong> created on {props.file.fileName}.{' '}
          <button onClick={() => openChat(created)}>Open in Chat</button>
        </p>
      )}
      {expertIn && (
        <p className="banner info" role="status" data-testid="expert-added">
          Added to <strong>{expertIn}</strong>: a new version was saved.{' '}
          <a href={`#/pipelines/${encodeURIComponent(expertIn)}`}>Open the pipeline</a>
        </p>
      )}
      {showExpert && (
        <ExpertForm
          file={props.file}
          onDone={(p) => {
            setExpertIn(p)
            setShowExpert(false)
          }}
        />
      )}
    </div>
  )
}
