/**
 * @module Per-app access: whether `/v1` requires a token, and each app's token (generate: shown
 * once, to copy; revoke).
 */
import { useEffect, useState } from 'react'
import type { Settings } from '../../../../shared/contract/settings'
import { CopyButton } from '../../components/CopyButton'
import { EmptyState } from '../../components/EmptyState'
import { formatTime } from '../../lib/format'
import { useS, useStores } from '../../stores'
import type { AppToken } from '../../stores/settings-store'
import { DataTable } from '../../components/DataTable'

/** The access section of Settings. */
export function AccessTokens(props: { settings: Settings }): React.JSX.Element {
  const s = useStores()
  const apps = useS(s.settings, (x) => x.apps)
  const revealed = useS(s.settings, (x) => x.revealed)
  const [name, setName] = useState('')
  useEffect(() => {
    void s.settings.getState().refreshAccess()
    // "Shown once" means on this visit: leaving the page forgets the token.
    return () => s.settings.getState().hideRevealed()
  }, [s.settings])
  const api = s.settings.getState()
  const requireKeys = props.settings.access.requireKeys

  return (
    <div data-testid="access-tokens">
      <label className="row">
        <input
          type="checkbox"
          data-testid="require-keys"
          checked={requireKeys}
          onChange={(e) =>
            void api.save({ access: { requireKeys: e.target.checked } }, 'Access settings')
          }
        />
        Require a token from every app that calls <code>/v1</code>
      </label>
      <p className="muted small">
        {requireKeys
          ? 'Apps without a valid token are refused.'
          : 'Any program on this computer may call the API; tokens still name the app in the request log.'}
      </p>
      <form
        className="row wrap"
        onSubmit={(e) => {
          e.preventDefault()
          void api.createToken(name.trim()).then((ok) => ok && setName(''))
        }}
      >
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="Which app uses it (e.g. Open WebUI)"
          aria-label="App name"
          data-testid="app-name"
          className="grow"
        />
        <button type="submit" disabled={!name.trim()}>
          Generate token
        </button>
      </form>
      {revealed && (
        <div className="banner info" role="status" data-testid="revealed-token">
          Copy the token for {revealed.name} now; it is not shown again:{' '}
          <code>{revealed.token}</code> <CopyButton text={revealed.token} />{' '}
          <button className="ghost" onClick={() => api.hideRevealed()}>
            Done
          </button>
        </div>
      )}
      <AppTokens apps={apps} onRevoke={(name) => void api.revokeToken(name)} />
    </div>
  )
}

/** Each app's token: a hint of its start, its dates, and a revoke button until revoked. */
function AppTokens(props: {
  apps: AppToken[]
  onRevoke: (name: string) => void
}): React.JSX.Element {
  if (props.apps.length === 0)
    return (
      <EmptyState title="No app tokens">
        Generate one per app, so you can revoke one app without touching the others.
      </EmptyState>
    )
  return (
    <DataTable testId="app-tokens" columns={['App', 'Starts with', 'Created', 'Last used', '']}>
      {props.apps.map((t) => (
        <tr key={t.name} className={t.revokedAt ? 'muted' : undefined}>
          <td>
            {t.name}
            {t.origin === 'approved' && <span className="badge">approved</span>}
          </td>
          <td>
            <code>{t.hint}…</code>
          </td>
          <td>{formatTime(t.createdAt)}</td>
          <td>{formatTime(t.lastUsedAt)}</td>
          <td>
            {t.revokedAt ? (
              <span className="small">revoked {formatTime(t.revokedAt)}</span>
            ) : (
              <button className="danger" onClick={() => props.onRevoke(t.name)}>
                Revoke
              </button>
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  )
}
