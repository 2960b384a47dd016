/** @module Client snippets from the live endpoint, one tab each, ready to copy. */
import { useState } from 'react'
import { CopyButton } from '../../components/CopyButton'
import { buildSnippets } from '../../lib/snippets'
import { useS, useStores } from '../../stores'

/** The snippets section; shown once the server runs. */
export function Snippets(): React.JSX.Element {
  const s = useStores()
  const url = useS(s.app, (a) => a.server?.url ?? null)
  const pipelines = useS(s.pipelines, (p) => p.list)
  const [model, setModel] = useState<string | null>(null)
  const [tab, setTab] = useState(0)
  const chosen =
    model ?? pipelines.find((p) => p.isDefault)?.name ?? pipelines[0]?.name ?? 'default'
  if (!url)
    return <p className="muted">Start the server (status bar) to get snippets with its address.</p>
  const snippets = buildSnippets({ url, model: chosen })
  const current = snippets[tab] ?? snippets[0]!
  return (
    <div data-testid="snippets">
      <label className="inline">
        Pipeline{' '}
        <select value={chosen} onChange={(e) => setModel(e.target.value)}>
          {pipelines.map((p) => (
            <option key={p.name}>{p.name}</option>
          ))}
        </select>
      </label>
      <div role="tablist" className="tabs">
        {snippets.map((x, i) => (
          <button key={x.id} role="tab" aria-selected={i === tab} onClick={() => setTab(i)}>
            {x.title}
          </button>
        ))}
      </div>
      <div className="snippet">
        <pre data-testid={`snippet-${current.id}`}>{current.code}</pre>
        <CopyButton text={current.code} />
      </div>
    </div>
  )
}
