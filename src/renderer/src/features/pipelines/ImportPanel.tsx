/**
 * @module Importing a composition: a file picker, drag and drop, paste, or the gallery of bundled
 * examples. Every way ends in a new draft in the editor (nothing is saved before the person does).
 */
import { useEffect, useState } from 'react'
import { useS, useStores } from '../../stores'
import type { Example, Format } from '../../stores/pipelines-store'

/** A pipeline name from a file name: `My Flow.yaml` → `my-flow`. */
export function nameFromFile(fileName: string): string {
  const base = fileName.replace(/\.(json|jsonc|ya?ml)$/i, '')
  const slug = base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64)
  return slug || 'imported'
}

/** JSON when the text starts like JSON, YAML otherwise. */
export function guessFormat(text: string, fileName = ''): Format {
  if (/\.ya?ml$/i.test(fileName)) return 'yaml'
  if (/\.jsonc?$/i.test(fileName)) return 'json'
  return /^\s*[[{]/.test(text) ? 'json' : 'yaml'
}

/** The gallery: one card per example, each opening it as a draft. */
export function ExampleGallery(props: {
  examples: readonly Example[]
  onPick: (e: Example) => void
}): React.JSX.Element {
  if (!props.examples.length)
    return (
      <p className="muted" data-testid="gallery-empty">
        No bundled examples are available from this server. Import a file or paste a composition.
      </p>
    )
  return (
    <ul className="gallery" data-testid="gallery">
      {props.examples.map((e) => (
        <li key={e.name}>
          <button className="card" onClick={() => props.onPick(e)} data-example={e.name}>
            <strong>{e.name}</strong>
            <span className="muted small">
              {e.description || `${e.format.toUpperCase()} example`}
            </span>
          </button>
        </li>
      ))}
    </ul>
  )
}

/** The import panel; `onDone` runs after a draft was created. */
export function ImportPanel(props: { onDone?: () => void }): React.JSX.Element {
  const s = useStores()
  const examples = useS(s.pipelines, (p) => p.examples)
  const [paste, setPaste] = useState('')
  const [dragging, setDragging] = useState(false)
  useEffect(() => {
    if (s.pipelines.getState().examplesSource === null) void s.pipelines.getState().loadExamples()
  }, [s.pipelines])

  const open = (name: string, text: string, format: Format): void => {
    s.pipelines.getState().newDraft(name, text, format)
    props.onDone?.()
  }
  const readFile = async (file: File): Promise<void> => {
    const text = await file.text()
    open(nameFromFile(file.name), text, guessFormat(text, file.name))
  }

  return (
    <div className="import-panel" data-testid="import-panel">
      <div
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault()
          setDragging(true)
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault()
          setDragging(false)
          const file = e.dataTransfer.files[0]
          if (file) void readFile(file)
        }}
      >
        <p>Drop a .json or .yaml composition here, or</p>
        <label className="button">
          Choose a file…
          <input
            type="file"
            accept=".json,.jsonc,.yaml,.yml,application/json,text/yaml"
            className="visually-hidden"
            data-testid="file-input"
            onChange={(e) => {
              const file = e.target.files?.[0]
              if (file) void readFile(file)
            }}
          />
        </label>
      </div>
      <label className="stack">
        <span>Or paste a composition</span>
        <textarea
          rows={5}
          value={paste}
          spellCheck={false}
          placeholder='{ "models": { … }, "architecture": [ … ] }'
          onChange={(e) => setPaste(e.target.value)}
          data-testid="paste-input"
        />
      </label>
      <button disabled={!paste.trim()} onClick={() => open('pasted', paste, guessFormat(paste))}>
        Open pasted text
      </button>
      <h2>Examples</h2>
      <ExampleGallery
        examples={examples}
        onPick={(e) => open(nameFromFile(e.name), e.text, e.format)}
      />
    </div>
  )
}
