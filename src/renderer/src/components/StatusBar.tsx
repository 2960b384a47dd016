import { useS, useStores } from '../stores'

/** Server state and URL, the default pipeline and the loaded models, live from events. */
export function StatusBar(): React.JSX.Element {
  const s = useStores()
  const server = useS(s.app, (a) => a.server)
  const settingsDefault = useS(s.settings, (x) => x.settings?.defaultPipeline ?? null)
  const listDefault = useS(s.pipelines, (p) => p.list.find((x) => x.isDefault)?.name ?? null)
  const loaded = useS(s.models, (m) =>
    m.runtime
      .filter((r) => r.state === 'ready' || r.state === 'busy')
      .map((r) => r.key)
      .join(', ')
  )
  const state = server?.state ?? 'unknown'
  return (
    <footer className="status-bar" data-testid="status-bar">
      <span className={`dot ${state}`} aria-hidden="true" />
      <span>
        Server <strong data-testid="server-state">{state}</strong>
        {server?.url && (
          <>
            {' '}
            at <code data-testid="server-url">{server.url}</code>
          </>
        )}
        {server?.error && <span className="bad"> — {server.error}</span>}
      </span>
      <span>
        Default pipeline: <strong>{listDefault ?? settingsDefault ?? 'none'}</strong>
      </span>
      <span className="grow ellipsis">
        Loaded models: <strong>{loaded || 'none'}</strong>
      </span>
    </footer>
  )
}
