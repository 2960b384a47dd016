/**
 * @module Models → Discover: search Hugging Face for GGUF repositories, see each file's
 * quantisation, size and whether it fits this machine before downloading it, download with
 * progress, then use it in a new pipeline or as an expert. When the hub cannot be reached the
 * view says so, and the starter catalog below still works.
 */
import { useEffect, useState } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { formatBytes } from '../../lib/format'
import { useS, useStores } from '../../stores'
import { fitKey, type HubFile } from '../../stores/discover-store'
import { FitBadge, MachineLine } from './FitBadge'
import { PullProgressBar } from './PullProgressBar'
import { UseModel } from './UseModel'
import './discover.css'

/** The Models page's two views, as links. */
function FileRow(props: { repo: string; file: HubFile }): React.JSX.Element {
  const s = useStores()
  const { repo, file } = props
  const key = fitKey(repo, file.path)
  const fit = useS(s.discover, (d) => d.fits[key])
  const pullId = useS(s.discover, (d) => d.downloads[key])
  const pull = useS(s.models, (m) => m.pulls.find((p) => p.pullId === pullId))
  const present = useS(s.models, (m) =>
    m.local.some((l) => l.runner === 'llama-cpp' && l.name === file.fileName)
  )
  const usable = !file.split && !file.projector
  return (
    <li className="hub-file" data-testid="hub-file" data-path={file.path}>
      <div className="hub-file-head">
        <span className="hub-file-name" title={file.path}>
          {file.path}
        </span>
        <span className="badge">{file.quantisation ?? 'unknown quant'}</span>
        <span className="muted small">{formatBytes(file.sizeBytes)}</span>
        {usable ? (
          <FitBadge fit={fit} />
        ) : (
          <span className="muted small">
            {file.split
              ? `part ${file.split.part} of ${file.split.of}: split models are not supported`
              : 'vision projector, not a chat model'}
          </span>
        )}
        {usable && !present && !(pull && pull.state === 'running') && (
          <button
            className="primary"
            onClick={() => void s.discover.getState().download(repo, file)}
            aria-label={`Download ${file.path}`}
          >
            Download
          </button>
        )}
        {present && <span className="ok small">downloaded</span>}
      </div>
      {fit && typeof fit === 'object' && <div className="muted small">{fit.summary}</div>}
      {pull && pull.state !== 'done' && (
        <PullProgressBar
          pull={pull}
          onCancel={() => void s.models.getState().cancelPull(pull.pullId)}
        />
      )}
      {present && usable && <UseModel file={file} />}
    </li>
  )
}

function RepoFiles(): React.JSX.Element | null {
  const s = useStores()
  const d = useS(s.discover, (x) => ({
    repo: x.repo,
    files: x.files,
    loading: x.filesLoading,
    error: x.filesError
  }))
  if (!d.repo) return null
  return (
    <section className="card-section" data-testid="repo-files" aria-labelledby="repo-files-title">
      <div className="row">
        <h2 id="repo-files-title" className="grow ellipsis">
          {d.repo}
        </h2>
        <button onClick={() => s.discover.getState().close()}>Close</button>
      </div>
      {d.loading && <p className="muted">Reading the file list…</p>}
      {d.error && (
        <p className="banner error" role="alert">
          {d.error}
        </p>
      )}
      {!d.loading && !d.error && d.files.length === 0 && (
        <EmptyState title="No GGUF files">This repository has no .gguf file.</EmptyState>
      )}
      <ul className="hub-files">
        {d.files.map((f) => (
          <FileRow key={f.path} repo={d.repo!} file={f} />
        ))}
      </ul>
    </section>
  )
}

function Catalog(): React.JSX.Element {
  const s = useStores()
  const catalog = useS(s.models, (m) => m.catalog)
  const loaded = useS(s.models, (m) => m.catalogLoaded)
  const fits = useS(s.discover, (d) => d.fits)
  const local = useS(s.models, (m) => m.local.map((l) => l.name))
  const pulls = useS(s.models, (m) => m.pulls)
  useEffect(() => {
    void s.models
      .getState()
      .loadCatalog()
      .then(() => {
        for (const c of s.models.getState().catalog) void s.discover.getState().fitCatalog(c.name)
      })
  }, [s.models, s.discover])
  return (
    <section className="card-section" data-testid="discover-catalog">
      <h2>Starter models</h2>
      {!loaded && <p className="muted">Reading the catalog…</p>}
      <ul className="hub-files">
        {catalog.map((c) => {
          const pull = pulls.find((p) => p.source === c.source && p.state === 'running')
          return (
            <li key={c.source} className="hub-file" data-testid="catalog-model">
              <div className="hub-file-head">
                <strong className="hub-file-name">{c.name}</strong>
                <span className="muted small">{formatBytes(c.sizeBytes)}</span>
                <FitBadge fit={fits[`catalog:${c.name}`]} />
                {local.includes(c.fileName) ? (
                  <span className="ok small">downloaded</span>
                ) : (
                  !pull && (
                    <button onClick={() => void s.models.getState().pull(c.source, 'llama-cpp')}>
                      Download
                    </button>
                  )
                )}
              </div>
              <div className="muted small">{c.description}</div>
              {pull && (
                <PullProgressBar
                  pull={pull}
                  onCancel={() => void s.models.getState().cancelPull(pull.pullId)}
                />
              )}
            </li>
          )
        })}
      </ul>
    </section>
  )
}

/** The Discover view. */
export function DiscoverView(): React.JSX.Element {
  const s = useStores()
  const d = useS(s.discover, (x) => ({
    searching: x.searching,
    searched: x.searched,
    offline: x.offline,
    repos: x.repos,
    machine: x.machine,
    query: x.query,
    open: x.repo
  }))
  const [query, setQuery] = useState(d.query)
  useEffect(() => {
    void s.discover.getState().loadMachine()
    void s.models.getState().refresh()
  }, [s.discover, s.models])
  return (
    <div className="page" data-testid="page-discover">
      <h1 tabIndex={-1}>Discover models</h1>
      <MachineLine machine={d.machine} />
      <section className="card-section">
        <h2>Search Hugging Face</h2>
        <form
          className="row wrap"
          role="search"
          onSubmit={(e) => {
            e.preventDefault()
            if (query.trim()) void s.discover.getState().search(query.trim())
          }}
        >
          <input
            className="grow"
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="A model family, e.g. qwen2.5 instruct"
            aria-label="Search Hugging Face for GGUF models"
          />
          <button type="submit" className="primary" disabled={!query.trim() || d.searching}>
            {d.searching ? 'Searching…' : 'Search'}
          </button>
        </form>
        {d.offline && (
          <div className="banner warning" role="status" data-testid="hub-offline">
            <strong>Offline: search is unavailable.</strong> {d.offline}. The starter models below
            still download from their own address.
          </div>
        )}
        {d.searched && !d.offline && d.repos.length === 0 && (
          <EmptyState title="No GGUF repositories match">
            Try a shorter name, such as the model family alone.
          </EmptyState>
        )}
        {d.repos.length > 0 && (
          <ul className="hub-repos" data-testid="hub-repos">
            {d.repos.map((r) => (
              <li key={r.id}>
                <button
                  className={`hub-repo${d.open === r.id ? ' selected' : ''}`}
                  onClick={() => void s.discover.getState().open(r.id)}
                  aria-pressed={d.open === r.id}
                >
                  <strong className="ellipsis">{r.id}</strong>
                  <span className="muted small">
                    {r.downloads.toLocaleString()} downloads · {r.likes.toLocaleString()} likes
                    {r.gated ? ' · licence to accept on huggingface.co' : ''}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <RepoFiles />
      <Catalog />
    </div>
  )
}
