/**
 * @module Settings: server address, access, models folder and idle unload, traces, and client
 * snippets. Each section saves its own part (`settings.set` merges sections).
 */
import { useEffect, useState } from 'react'
import type { Settings } from '../../../../shared/contract/settings'
import { useS, useStores } from '../../stores'
import { AccessTokens } from './AccessTokens'
import { Snippets } from './Snippets'

function ServerSection(props: { settings: Settings }): React.JSX.Element {
  const s = useStores()
  const [host, setHost] = useState(props.settings.server.host)
  const [port, setPort] = useState(String(props.settings.server.port))
  const [autostart, setAutostart] = useState(props.settings.server.autostart)
  const [origins, setOrigins] = useState(props.settings.server.corsOrigins.join('\n'))
  const originList = origins
    .split('\n')
    .map((o) => o.trim())
    .filter(Boolean)
  const badOrigin = originList.find((o) => !/^https?:\/\/[^/\s]+$/.test(o))
  const portNum = Number(port)
  const portOk = Number.isInteger(portNum) && portNum >= 0 && portNum <= 65535
  const exposed = !['127.0.0.1', 'localhost', '::1'].includes(host.trim())
  const running = useS(s.app, (a) => (a.server?.state === 'running' ? a.server : null))
  const saved = props.settings.server
  const differs =
    running !== null &&
    ((running.port !== null && running.port !== saved.port) ||
      (running.host !== null && running.host !== saved.host))
  return (
    <form
      className="form-grid"
      onSubmit={(e) => {
        e.preventDefault()
        void s.settings
          .getState()
          .save(
            { server: { host: host.trim(), port: portNum, autostart, corsOrigins: originList } },
            'Server settings'
          )
      }}
    >
      <p className="span2" data-testid="running-address">
        {running ? (
          <>
            The server runs at <code>{running.url}</code> (port <strong>{running.port}</strong>).
          </>
        ) : (
          'The server is not running.'
        )}
      </p>
      {differs && (
        <p className="banner warning span2" data-testid="port-differs">
          It was started on {running.host}:{running.port} (for example with <code>--port</code>),
          not on the saved {saved.host}:{saved.port} below; the saved address applies when the
          server starts from these settings.
        </p>
      )}
      <label htmlFor="set-host">Host</label>
      <input id="set-host" value={host} onChange={(e) => setHost(e.target.value)} />
      <label htmlFor="set-port">Port</label>
      <input
        id="set-port"
        value={port}
        inputMode="numeric"
        aria-invalid={!portOk}
        onChange={(e) => setPort(e.target.value)}
      />
      <label htmlFor="set-autostart">Start the server with the app</label>
      <input
        id="set-autostart"
        type="checkbox"
        checked={autostart}
        onChange={(e) => setAutostart(e.target.checked)}
      />
      {exposed && (
        <p className="banner warning span2">
          {host} makes the API reachable from other machines: set an API key first.
        </p>
      )}
      <label htmlFor="set-cors">Web pages allowed to call /v1 (CORS origins, one per line)</label>
      <textarea
        id="set-cors"
        rows={2}
        value={origins}
        placeholder="http://localhost:3000"
        aria-invalid={badOrigin !== undefined}
        onChange={(e) => setOrigins(e.target.value)}
      />
      {badOrigin !== undefined && (
        <p className="banner warning span2" role="alert">
          {badOrigin} is not an origin: write a scheme and host, like http://localhost:3000
        </p>
      )}
      <span />
      <button type="submit" disabled={!portOk || !host.trim() || badOrigin !== undefined}>
        Save (applies on the next server start)
      </button>
    </form>
  )
}

function AppSection(props: { settings: Settings }): React.JSX.Element {
  const s = useStores()
  return (
    <label className="row">
      <input
        type="checkbox"
        data-testid="open-at-login"
        checked={props.settings.app.openAtLogin}
        onChange={(e) =>
          void s.settings
            .getState()
            .save({ app: { openAtLogin: e.target.checked } }, 'App settings')
        }
      />
      Start the desktop app when I log in (macOS and Windows; the browser UI ignores it)
    </label>
  )
}

function ModelsSection(props: { settings: Settings }): React.JSX.Element {
  const s = useStores()
  const [dirs, setDirs] = useState(props.settings.models.dirs.join('\n'))
  const [idle, setIdle] = useState(String(props.settings.models.idleUnloadSeconds))
  const idleOk = /^\d+$/.test(idle)
  return (
    <form
      className="form-grid"
      onSubmit={(e) => {
        e.preventDefault()
        const list = dirs
          .split('\n')
          .map((d) => d.trim())
          .filter(Boolean)
        void s.settings
          .getState()
          .save({ models: { dirs: list, idleUnloadSeconds: Number(idle) } }, 'Model settings')
      }}
    >
      <label htmlFor="set-dirs">Model folders (one per line)</label>
      <textarea id="set-dirs" rows={2} value={dirs} onChange={(e) => setDirs(e.target.value)} />
      <label htmlFor="set-idle">Unload after idle (seconds, 0 = never)</label>
      <input
        id="set-idle"
        value={idle}
        inputMode="numeric"
        aria-invalid={!idleOk}
        onChange={(e) => setIdle(e.target.value)}
      />
      <span />
      <button type="submit" disabled={!idleOk}>
        Save
      </button>
    </form>
  )
}

/** The Settings page. */
export function SettingsPage(): React.JSX.Element {
  const s = useStores()
  const settings = useS(s.settings, (x) => x.settings)
  const loadError = useS(s.settings, (x) => x.loadError)
  useEffect(() => {
    void s.settings.getState().refresh()
  }, [s.settings])
  return (
    <div className="page" data-testid="page-settings">
      <h1 tabIndex={-1}>Settings</h1>
      {!settings && loadError ? (
        <p className="banner error" data-testid="settings-error">
          The settings could not be read: {loadError}{' '}
          <button onClick={() => void s.settings.getState().refresh()}>Try again</button>
        </p>
      ) : !settings ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <section className="card-section">
            <h2>Server</h2>
            <ServerSection key={JSON.stringify(settings.server)} settings={settings} />
          </section>
          <section className="card-section">
            <h2>App access</h2>
            <AccessTokens settings={settings} />
          </section>
          <section className="card-section">
            <h2>Models</h2>
            <ModelsSection key={JSON.stringify(settings.models)} settings={settings} />
          </section>
          <section className="card-section">
            <h2>App</h2>
            <AppSection settings={settings} />
          </section>
        </>
      )}
      <section className="card-section">
        <h2>Connect a client</h2>
        <Snippets />
      </section>
    </div>
  )
}
