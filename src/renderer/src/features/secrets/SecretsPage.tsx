/**
 * @module Hooks & secrets: each pipeline's functions with a Test button, every composition's
 * secret sources (each variable resolved or missing), and the secret store (names, who uses
 * them, how values are protected); values are typed in and never shown back.
 */
import { useEffect, useState } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { formatMs, formatTime } from '../../lib/format'
import { useS, useStores } from '../../stores'
import { testKey, type FunctionInfo, type SecretSourceInfo } from '../../stores/secrets-store'
import { ConfirmButton } from '../../components/ConfirmButton'
import { DataTable } from '../../components/DataTable'

function FunctionRow(props: { pipeline: string; fn: FunctionInfo }): React.JSX.Element {
  const s = useStores()
  const key = testKey(props.pipeline, props.fn.name)
  const test = useS(s.secrets, (x) => x.tests[key])
  const [input, setInput] = useState('Hello from the test button')
  return (
    <li className="function" data-testid={`function-${props.fn.name}`}>
      <div className="row wrap">
        <strong>{props.fn.name}</strong> <span className="badge">{props.fn.type}</span>
        <span className="muted small grow">
          {props.fn.usedBy.length ? `used by ${props.fn.usedBy.join(', ')}` : 'not used by a hook'}
        </span>
      </div>
      <div className="row">
        <input
          className="grow"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          aria-label={`Sample input for ${props.fn.name}`}
        />
        <button
          disabled={test?.running}
          onClick={() => void s.secrets.getState().test(props.pipeline, props.fn.name, input)}
        >
          {test?.running ? 'Running…' : 'Test'}
        </button>
      </div>
      {test?.result && (
        <div className={`test-result ${test.result.ok ? 'ok' : 'bad'}`} data-testid="test-result">
          <span className="small">
            {test.result.ok ? 'OK' : 'Failed'} in {formatMs(test.result.durationMs)}
          </span>
          {test.result.error && <div className="bad">{test.result.error}</div>}
          {test.result.output !== null && test.result.output !== undefined && (
            <pre>
              {typeof test.result.output === 'string'
                ? test.result.output
                : JSON.stringify(test.result.output, null, 2)}
            </pre>
          )}
          {test.result.notes.map((n, i) => (
            <div key={i} className="muted small">
              {n}
            </div>
          ))}
        </div>
      )}
    </li>
  )
}

function SourceRow(props: { source: SecretSourceInfo }): React.JSX.Element {
  const x = props.source
  return (
    <li className="secret-source" data-testid={`source-${x.pipeline}-${x.name}`}>
      <div className="row wrap">
        <strong>{x.name}</strong> <span className="badge">{x.source}</span>
        <code className="small ellipsis grow" title={x.detail}>
          {x.detail}
        </code>
      </div>
      {x.variables.length === 0 ? (
        <div className="muted small">no variables</div>
      ) : (
        <ul className="secret-variables">
          {x.variables.map((v) => (
            <li key={v.name} data-testid="source-variable" data-state={v.state}>
              <code>{v.name}</code> <span aria-label="masked value">••••</span>{' '}
              <span className={`badge ${v.state === 'resolved' ? 'ok' : 'bad'}`}>{v.state}</span>
            </li>
          ))}
        </ul>
      )}
      {x.problem && (
        <div className="bad small" data-testid="source-problem">
          {x.problem}
        </div>
      )}
    </li>
  )
}

function SecretForm(): React.JSX.Element {
  const s = useStores()
  const [name, setName] = useState('')
  const [value, setValue] = useState('')
  // The contract's SecretNameSchema: NAME.VARIABLE.
  const valid = /^[A-Za-z0-9_-]{1,100}\.[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(name)
  return (
    <form
      className="row wrap"
      onSubmit={(e) => {
        e.preventDefault()
        void s.secrets
          .getState()
          .set(name, value)
          .then((ok) => {
            // The value leaves the page's state once stored: it is never shown again.
            if (ok) {
              setValue('')
              setName('')
            }
          })
      }}
    >
      <input
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="NAME.VARIABLE"
        title="NAME.VARIABLE, e.g. openrouter.API_KEY"
        aria-label="Secret name"
        aria-invalid={name !== '' && !valid}
        data-testid="secret-name"
      />
      <input
        type="password"
        autoComplete="off"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        placeholder="value"
        aria-label="Secret value"
        className="grow"
        data-testid="secret-value"
      />
      <button type="submit" className="primary" disabled={!valid || !value}>
        Set secret
      </button>
    </form>
  )
}

/** The Hooks & secrets page. */
export function SecretsPage(): React.JSX.Element {
  const s = useStores()
  const pipelines = useS(s.pipelines, (p) => p.list)
  useEffect(() => {
    void s.secrets.getState().refresh()
  }, [s.secrets])
  useEffect(() => {
    for (const p of pipelines) void s.secrets.getState().loadFunctions(p.name)
    // A pipeline saved, fixed or removed brings, resolves or takes away its sources.
    void s.secrets.getState().refreshSources()
  }, [pipelines, s.secrets])

  return (
    <div className="page" data-testid="page-secrets">
      <h1 tabIndex={-1}>Hooks &amp; secrets</h1>
      <FunctionsSection />
      <SourcesSection />
      <SecretsSection />
    </div>
  )
}

/** Each pipeline's functions, with a Test button per function. */
function FunctionsSection(): React.JSX.Element {
  const s = useStores()
  const pipelines = useS(s.pipelines, (p) => p.list)
  const functions = useS(s.secrets, (x) => x.functions)
  const withFunctions = pipelines.filter((p) => (functions[p.name] ?? []).length > 0)
  return (
    <section className="card-section">
      <h2>Functions</h2>
      {withFunctions.length === 0 ? (
        <EmptyState title="No functions">
          A pipeline&apos;s <code>functions</code> (REST, shell, WebSocket, gRPC) appear here with a
          Test button once a composition declares them and its hooks call them.
        </EmptyState>
      ) : (
        withFunctions.map((p) => (
          <div key={p.name}>
            <h3>{p.name}</h3>
            <ul className="functions">
              {(functions[p.name] ?? []).map((f) => (
                <FunctionRow key={f.name} pipeline={p.name} fn={f} />
              ))}
            </ul>
          </div>
        ))
      )}
    </section>
  )
}

/** Every composition's secret sources, grouped by pipeline. */
function SourcesSection(): React.JSX.Element {
  const s = useStores()
  const sources = useS(s.secrets, (x) => x.sources)
  const bySource = [...new Set(sources.map((x) => x.pipeline))]
  return (
    <section className="card-section" data-testid="secret-sources">
      <h2>Secret sources</h2>
      {bySource.length === 0 ? (
        <EmptyState title="No secret sources">
          A composition&apos;s <code>secrets</code> (an env file, environment variables, Vault or
          this app&apos;s store) appear here with each variable resolved or missing.
        </EmptyState>
      ) : (
        bySource.map((pipeline) => (
          <div key={pipeline}>
            <h3>{pipeline}</h3>
            <ul className="secret-sources">
              {sources
                .filter((x) => x.pipeline === pipeline)
                .map((x) => (
                  <SourceRow key={x.name} source={x} />
                ))}
            </ul>
          </div>
        ))
      )}
    </section>
  )
}

/** The secret store: how values are protected, the form to set one, and the stored names. */
function SecretsSection(): React.JSX.Element {
  const s = useStores()
  const secrets = useS(s.secrets, (x) => x.secrets)
  const storage = useS(s.secrets, (x) => x.storage)
  const loaded = useS(s.secrets, (x) => x.loaded)
  return (
    <section className="card-section">
      <h2>Secrets</h2>
      {storage?.warning && <div className="banner warning">{storage.warning}</div>}
      {storage && (
        <p className="muted small">
          Values are encrypted at rest ({storage.kind}). A value is never shown again after you set
          it.
        </p>
      )}
      <SecretForm />
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : secrets.length === 0 ? (
        <EmptyState title="No secrets stored">
          Set <code>NAME.VARIABLE</code> above; a composition declaring{' '}
          <code>
            &quot;secrets&quot;: {'{'} &quot;NAME&quot;: {'{'} &quot;source&quot;: &quot;store&quot;{' '}
            {'}'} {'}'}
          </code>{' '}
          reads it as <code>$secrets.NAME.VARIABLE</code>.
        </EmptyState>
      ) : (
        <DataTable testId="secrets-table" columns={['Name', 'Value', 'Used by', 'Updated', '']}>
          {secrets.map((x) => (
            <tr key={x.name}>
              <td>
                <code>{x.name}</code>
              </td>
              <td aria-label="masked value">••••••••</td>
              <td>{x.usedBy.join(', ') || <span className="muted">no pipeline</span>}</td>
              <td>{formatTime(x.updatedAt)}</td>
              <td>
                <ConfirmButton
                  className="danger"
                  question={`Delete the secret ${x.name}?`}
                  onConfirm={() => s.secrets.getState().remove(x.name)}
                >
                  Delete
                </ConfirmButton>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  )
}
