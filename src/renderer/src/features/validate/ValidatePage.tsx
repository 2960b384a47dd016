import { useMemo, useState } from 'react'
import { formatPath } from '../../../../shared/config/diagnostics'
import { validateText } from '../../../../shared/config/validate'

const SAMPLE = `{
  "models": {
    "local": { "runner": "ollama", "source": "qwen2.5:0.5b" }
  },
  "architecture": [
    { "name": "chat", "layer": 0, "model": "local", "adapter": "openai-api", "output-to": ["output"] },
    { "name": "output", "adapter": "output" }
  ]
}
`

/** Paste or type a composition; the shared validator reports every problem at its line. */
export function ValidatePage(): React.JSX.Element {
  const [text, setText] = useState(SAMPLE)
  const [yaml, setYaml] = useState(false)
  const result = useMemo(() => validateText(text, { format: yaml ? 'yaml' : 'json' }), [text, yaml])
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length
  return (
    <section className="validate">
      <div className="toolbar">
        <label>
          <input type="checkbox" checked={yaml} onChange={(e) => setYaml(e.target.checked)} /> YAML
        </label>
        <span className={result.ok ? 'ok' : 'bad'} data-testid="validation-status">
          {result.ok ? 'valid' : `${errors} error${errors === 1 ? '' : 's'}`}
        </span>
      </div>
      <textarea
        aria-label="composition"
        spellCheck={false}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <ul className="diagnostics">
        {result.diagnostics.map((d, i) => (
          <li key={i} className={d.severity}>
            <code>
              {d.line}:{d.column}
            </code>{' '}
            <strong>{d.severity}</strong> {d.message}{' '}
            <span className="muted">{formatPath(d.path)}</span>
          </li>
        ))}
      </ul>
    </section>
  )
}
