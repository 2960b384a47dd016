/**
 * @module First run: three ways to a working endpoint (a starter model, Ollama, an example),
 * ending with the address and a snippet to paste into an app.
 */
import { useEffect, useState } from 'react'
import { CopyButton } from '../../components/CopyButton'
import { formatBytes } from '../../lib/format'
import { buildSnippets } from '../../lib/snippets'
import { useS, useStores } from '../../stores'
import { ImportPanel } from '../pipelines/ImportPanel'
import { FitBadge } from '../models/FitBadge'
import { PullProgressBar } from '../models/PullProgressBar'

type Choice = 'starter' | 'ollama' | 'example' | null

function Starter(): React.JSX.Element {
  const s = useStores()
  const catalog = useS(s.models, (m) => m.catalog)
  const catalogLoaded = useS(s.models, (m) => m.catalogLoaded)
  const pullId = useS(s.firstRun, (f) => f.pullId)
  const pull = useS(s.models, (m) => m.pulls.find((p) => p.pullId === pullId))
  const fits = useS(s.discover, (d) => d.fits)
  const [picked, setPicked] = useState<string | null>(null)
  const entry = catalog.find((c) => c.source === picked) ?? catalog[0]
  useEffect(() => {
    void s.models
      .getState()
      .loadCatalog()
      .then(() => {
        for (const c of s.models.getState().catalog) void s.discover.getState().fitCatalog(c.name)
      })
  }, [s.models, s.discover])
  if (!entry)
    return (
      <p className="muted">
        {catalogLoaded ? 'No starter model is known to this server.' : 'Reading the catalog…'}
      </p>
    )
  return (
    <div data-testid="starter">
      <fieldset className="plain" disabled={!!pull}>
        <legend>Pick a model</legend>
        <ul className="catalog-list" data-testid="catalog">
          {catalog.map((c) => (
            <li key={c.source}>
              <label>
                <input
                  type="radio"
                  name="starter-model"
                  value={c.source}
                  checked={c.source === entry.source}
                  onChange={() => setPicked(c.source)}
                  data-testid="catalog-entry"
                />
                <span>
                  <strong>{c.name}</strong> · {formatBytes(c.sizeBytes)}{' '}
                  <FitBadge fit={fits[`catalog:${c.name}`]} />
                  <br />
                  <span className="muted small">{c.description}</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      {pull ? (
        <PullProgressBar pull={pull} onCancel={() => void s.firstRun.getState().cancel()} />
      ) : (
        <button
          className="primary"
          onClick={() => void s.firstRun.getState().startDownload(entry.source)}
          data-testid="download-starter"
        >
          Download {entry.name} ({formatBytes(entry.sizeBytes)}) and set up
        </button>
      )}
      <p className="muted small">
        When the download finishes, a pipeline named <code>assistant</code> is created on the
        built-in llama.cpp and made the default. More models: Models → Discover.
      </p>
    </div>
  )
}

function Ollama(): React.JSX.Element {
  const s = useStores()
  const ollama = useS(s.models, (m) => m.ollama)
  const local = useS(s.models, (m) => m.local.filter((l) => l.runner === 'ollama'))
  const busy = useS(s.firstRun, (f) => f.busy)
  useEffect(() => {
    void s.models.getState().refreshOllama()
    void s.models.getState().refresh()
  }, [s.models])
  if (!ollama) return <p className="muted">Looking for Ollama…</p>
  if (!ollama.installed)
    return (
      <p>
        Ollama is not installed here. Install it from ollama.com, then check again.{' '}
        <button onClick={() => void s.models.getState().refreshOllama()} data-testid="ollama-check">
          Check again
        </button>
      </p>
    )
  if (!ollama.running)
    return (
      <p>
        Ollama is installed but not running at {ollama.host}.{' '}
        <button className="primary" onClick={() => void s.models.getState().ollamaPower(true)}>
          Start Ollama
        </button>{' '}
        <button onClick={() => void s.models.getState().refreshOllama()}>Check again</button>
      </p>
    )
  if (!local.length)
    return (
      <p>
        Ollama {ollama.version ?? ''} is running but has no models. Pull one (for example{' '}
        <code>ollama pull qwen2.5:0.5b</code>) or download from the Models page, then check again.{' '}
        <button
          onClick={() => {
            void s.models.getState().refreshOllama()
            void s.models.getState().refresh()
          }}
        >
          Check again
        </button>
      </p>
    )
  return (
    <div>
      <p>Ollama {ollama.version ?? ''} is running. Pick a model to answer requests:</p>
      <ul className="gallery">
        {local.map((m) => (
          <li key={m.name}>
            <button
              className="card"
              disabled={busy}
              onClick={() => void s.firstRun.getState().createPipeline('ollama', m.name)}
            >
              <strong>{m.name}</strong>
              <span className="muted small">{formatBytes(m.sizeBytes)}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  )
}

function Done(props: { name: string }): React.JSX.Element {
  const s = useStores()
  const url = useS(s.app, (a) => a.server?.url ?? null)
  const curl = url ? buildSnippets({ url, model: props.name })[0]!.code : null
  return (
    <div className="banner info" data-testid="first-run-done">
      <p>
        <strong>{props.name}</strong> is your default pipeline.{' '}
        {url ? (
          <>
            Point any OpenAI client at <code>{url}/v1</code>.
          </>
        ) : (
          'Start the server from the status bar to get its address.'
        )}
      </p>
      {curl && (
        <div className="snippet">
          <pre>{curl}</pre>
          <CopyButton text={curl} />
        </div>
      )}
      <p>
        <a href="#/chat">Try it in the chat tester</a> ·{' '}
        <a href="#/settings">More client snippets</a>
      </p>
    </div>
  )
}

/** The welcome screen. */
export function WelcomePage(): React.JSX.Element {
  const s = useStores()
  const created = useS(s.firstRun, (f) => f.created)
  const [choice, setChoice] = useState<Choice>(null)
  return (
    <div className="page welcome" data-testid="page-welcome">
      <h1 tabIndex={-1}>Welcome to llmnet</h1>
      <p>
        llmnet serves pipelines of small local models behind one OpenAI-compatible address. Pick a
        way to start; you can change everything later.
      </p>
      {created ? (
        <Done name={created} />
      ) : (
        <>
          <div className="choices" role="radiogroup" aria-label="How to start">
            {(
              [
                [
                  'starter',
                  'Download a starter model',
                  'A small model run by the built-in llama.cpp. No other software needed.'
                ],
                ['ollama', 'I have Ollama', 'Use a model Ollama already has.'],
                ['example', 'Import an example', 'Start from a bundled pipeline or your own file.']
              ] as const
            ).map(([id, title, text]) => (
              <button
                key={id}
                role="radio"
                aria-checked={choice === id}
                className={`card choice${choice === id ? ' selected' : ''}`}
                onClick={() => setChoice(id)}
                data-testid={`choice-${id}`}
              >
                <strong>{title}</strong>
                <span className="muted small">{text}</span>
              </button>
            ))}
          </div>
          <section className="card-section">
            {choice === 'starter' && <Starter />}
            {choice === 'ollama' && <Ollama />}
            {choice === 'example' && (
              <ImportPanel onDone={() => (window.location.hash = '#/pipelines')} />
            )}
            {choice === null && <p className="muted">Choose one of the three above.</p>}
          </section>
        </>
      )}
    </div>
  )
}
