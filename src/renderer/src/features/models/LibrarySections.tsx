/**
 * @module The sections of Models → On this computer (ModelsPage.tsx): what runs now, the local
 * library, downloads, and Ollama's state. Each reads the models store's state it is given.
 */
import { useState } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { formatBytes } from '../../lib/format'
import { runtimeOf, sourceFileName, type ModelsState, type Runner } from '../../stores/models-store'
import { PullProgressBar } from './PullProgressBar'
import { ConfirmButton } from '../../components/ConfirmButton'
import { DataTable } from '../../components/DataTable'

/** The "Running" section: the model processes and their state. */
export function RunningModels(props: { m: ModelsState }): React.JSX.Element {
  const m = props.m
  return (
    <section className="card-section">
      <h2>Running</h2>
      {!m.loaded ? (
        <p className="muted">Loading…</p>
      ) : m.runtime.length === 0 ? (
        <EmptyState title="No model is running">
          Models start when a pipeline needs them. Load one ahead of time from here once a pipeline
          uses it.
        </EmptyState>
      ) : (
        <DataTable
          testId="runtime-table"
          columns={['Model', 'Runner', 'State', 'Memory (RAM / VRAM)', 'GPU offload', 'Speed', '']}
        >
          {m.runtime.map((r) => (
            <tr key={r.key}>
              <td>
                <strong>{r.key}</strong>
                <div className="muted small ellipsis" title={r.source}>
                  {(r.runner === 'llama-cpp' && sourceFileName(r.source)) || r.source}
                </div>
              </td>
              <td>{r.runner}</td>
              <td>
                <span className={`state ${r.state}`}>{r.state}</span>
                {r.lastError && <div className="bad small">{r.lastError}</div>}
              </td>
              <td>
                {r.memory
                  ? `${formatBytes(r.memory.ramBytes)} / ${formatBytes(r.memory.vramBytes)}`
                  : '—'}
              </td>
              <td>
                {r.gpu ? `${r.gpu}${r.gpuLayers !== null ? `, ${r.gpuLayers} layers` : ''}` : 'CPU'}
              </td>
              <td>
                {r.tokensPerSecond && (r.state === 'ready' || r.state === 'busy')
                  ? `${r.tokensPerSecond.toFixed(1)} tok/s`
                  : '—'}
              </td>
              <td>
                {r.state === 'stopped' || r.state === 'error' ? (
                  <button onClick={() => void m.load(r.key)}>Load</button>
                ) : (
                  <button onClick={() => void m.unload(r.key)}>Unload</button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  )
}

/** The "On this computer" section: GGUF files and Ollama models, with Delete. */
export function LocalModels(props: { m: ModelsState }): React.JSX.Element {
  const m = props.m
  return (
    <section className="card-section">
      <h2>On this computer</h2>
      {!m.loaded ? (
        <p className="muted">Loading…</p>
      ) : m.local.length === 0 ? (
        <EmptyState title="No model files yet">
          Download a GGUF file below (for example from the starter catalog on the welcome screen),
          or pull an Ollama model.
        </EmptyState>
      ) : (
        <DataTable testId="local-table" columns={['Name', 'Runner', 'Size', 'Status', '']}>
          {m.local.map((l) => {
            const rt = runtimeOf(l, m.runtime)
            return (
              <tr key={`${l.runner}:${l.name}`}>
                <td>
                  <strong>{l.name}</strong>
                  {l.path && <div className="muted small ellipsis">{l.path}</div>}
                </td>
                <td>{l.runner}</td>
                <td>{formatBytes(l.sizeBytes)}</td>
                <td>
                  {rt ? <span className={`state ${rt.state}`}>{rt.state}</span> : 'not loaded'}
                </td>
                <td>
                  <ConfirmButton
                    className="danger"
                    question={`Delete ${l.name}?`}
                    onConfirm={() => m.remove(l.name, l.runner)}
                  >
                    Delete
                  </ConfirmButton>
                </td>
              </tr>
            )
          })}
        </DataTable>
      )}
    </section>
  )
}

/** The "Download" section: a source and a runner, then each download's progress. */
export function DownloadModel(props: { m: ModelsState }): React.JSX.Element {
  const m = props.m
  const [source, setSource] = useState('')
  const [runner, setRunner] = useState<Runner>('llama-cpp')
  return (
    <section className="card-section">
      <h2>Download</h2>
      <form
        className="row wrap"
        onSubmit={(e) => {
          e.preventDefault()
          // A refused source stays in the box, to fix.
          if (source.trim()) void m.pull(source.trim(), runner).then((id) => id && setSource(''))
        }}
      >
        <input
          className="grow"
          value={source}
          onChange={(e) => setSource(e.target.value)}
          placeholder="hf://org/repo/file.gguf, an https URL, or an Ollama name like qwen2.5:0.5b"
          aria-label="Model source"
        />
        <select
          value={runner}
          onChange={(e) => setRunner(e.target.value as Runner)}
          aria-label="Runner"
        >
          <option value="llama-cpp">llama.cpp (GGUF)</option>
          <option value="ollama">Ollama</option>
        </select>
        <button type="submit" className="primary" disabled={!source.trim()}>
          Download
        </button>
      </form>
      {m.pulls.map((p) => (
        <PullProgressBar
          key={p.pullId}
          pull={p}
          onCancel={() => void m.cancelPull(p.pullId)}
          onClear={() => m.clearPulls(p.pullId)}
        />
      ))}
      {m.pulls.filter((p) => p.state !== 'running').length > 1 && (
        <button className="ghost" onClick={() => m.clearPulls()} data-testid="clear-pulls">
          Clear finished downloads
        </button>
      )}
    </section>
  )
}

/** The "Ollama" section: installed, running (and who started it), start, stop, check again. */
export function OllamaSection(props: { m: ModelsState }): React.JSX.Element {
  const o = props.m.ollama
  const m = props.m
  return (
    <section className="card-section" data-testid="ollama">
      <h2>Ollama</h2>
      {!o ? (
        <p className="muted">Checking…</p>
      ) : (
        <p>
          {!o.installed
            ? 'Not installed. Install Ollama from ollama.com to use its models.'
            : o.running
              ? `Running at ${o.host}${o.version ? `, version ${o.version}` : ''}${o.managed ? ' (started by llmnet)' : ''}.`
              : `Installed but stopped (${o.host}).`}{' '}
          {o.installed && !o.running && (
            <button className="primary" onClick={() => void m.ollamaPower(true)}>
              Start Ollama
            </button>
          )}{' '}
          {o.managed && o.running && (
            <button onClick={() => void m.ollamaPower(false)}>Stop Ollama</button>
          )}{' '}
          <button onClick={() => void m.refreshOllama()}>Check again</button>
        </p>
      )}
      {o?.running && !o.managed && (
        <p className="muted small">
          This Ollama was started outside llmnet, so llmnet leaves stopping it to you.
        </p>
      )}
    </section>
  )
}
