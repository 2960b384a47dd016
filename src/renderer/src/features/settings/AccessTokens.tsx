/**
 * @module API keys and per-app tokens, over the proposed `access.*` routes; the section says so
 * when this server does not offer them.
 */
import { useEffect, useState } from 'react'
import { CopyButton } from '../../components/CopyButton'
import { EmptyState } from '../../components/EmptyState'
import { formatTime } from '../../lib/format'
import { useS, useStores } from '../../stores'

/** The access-tokens section of Settings. */
export function AccessTokens(): React.JSX.Element {
  const s = useStores()
  const supported = useS(s.settings, (x) => x.accessSupported)
  const tokens = useS(s.settings, (x) => x.tokens)
  const revealed = useS(s.settings, (x) => x.revealed)
  const [name, setName] = useState('')
  const [kind, setKind] = useState<'api-key' | 'app-token'>('app-token')
  useEffect(() => {
    void s.settings.getState().refreshAccess()
  }, [s.settings])
  const api = s.settings.getState()

  if (supported === false)
    return (
      <p className="muted" data-testid="access-unsupported">
        This server cannot manage API keys and app tokens yet. Until it can, start it with{' '}
        <code>--api-key</code> (or <code>LLMNET_API_KEY</code>) to require a key.
      </p>
    )
  return (
    <div data-testid="access-tokens">
      <form
        className="row wrap"
        onSubmit={(e) => {
          e.preventDefault()
          void api.createToken(name.trim(), kind).then(() => setName(''))
        }}
      >
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="Who uses it (e.g. Open WebUI)"
          aria-label="Token name"
          className="grow"
        />
        <select
          value={kind}
          onChange={(e) => setKind(e.target.value as typeof kind)}
          aria-label="Kind"
        >
          <option value="app-token">App token</option>
          <option value="api-key">API key</option>
        </select>
        <button type="submit" disabled={!name.trim()}>
          Generate
        </button>
      </form>
      {revealed && (
        <div className="banner info" role="status">
          Copy this token now; it is not shown again: <code>{revealed.token}</code>{' '}
          <CopyButton text={revealed.token} />{' '}
          <button className="ghost" onClick={() => api.hideRevealed()}>
            Done
          </button>
        </div>
      )}
      {tokens.length === 0 ? (
        <EmptyState title="No keys or tokens">
          Generate one per app, so you can revoke one app without touching the others.
        </EmptyState>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Starts with</th>
              <th>Created</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.kind}</td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td>{formatTime(t.createdAt)}</td>
                <td>{formatTime(t.lastUsedAt)}</td>
                <td>
                  <button className="danger" onClick={() => void api.revokeToken(t.id)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
