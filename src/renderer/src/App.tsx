/**
 * @module The app shell: navigation, the page for the URL hash, toasts and the status bar.
 * `data-app-state="ready"` appears once the server's status and the pipeline list answered
 * (e2e tests wait for it, never for a timer).
 */
import { useEffect, useRef } from 'react'
import { EvalPage, RequestsPage, SecretsPage, SettingsPage } from './components/lazy-pages'
import { StatusBar } from './components/StatusBar'
import { Toasts } from './components/Toasts'
import { ChatPage } from './features/chat/ChatPage'
import { WelcomePage } from './features/first-run/WelcomePage'
import { ModelsPage } from './features/models/ModelsPage'
import { PipelinesPage } from './features/pipelines/PipelinesPage'
import { useS, useStores } from './stores'
import type { Page } from './stores/app-store'

/** The window title of each page. */
const TITLES: Record<Page, string> = {
  pipelines: 'Pipelines',
  models: 'Models',
  secrets: 'Hooks & secrets',
  chat: 'Chat',
  requests: 'Requests',
  settings: 'Settings',
  eval: 'Eval',
  welcome: 'Welcome'
}

const NAV: { page: Page; label: string }[] = [
  { page: 'pipelines', label: 'Pipelines' },
  { page: 'models', label: 'Models' },
  { page: 'secrets', label: 'Hooks & secrets' },
  { page: 'chat', label: 'Chat' },
  { page: 'requests', label: 'Requests' },
  { page: 'eval', label: 'Eval' },
  { page: 'settings', label: 'Settings' }
]

function Current(props: { page: Page; rest: string[] }): React.JSX.Element {
  switch (props.page) {
    case 'pipelines':
      return <PipelinesPage open={props.rest[0]} />
    case 'models':
      return <ModelsPage />
    case 'secrets':
      return <SecretsPage />
    case 'chat':
      return <ChatPage />
    case 'requests':
      return <RequestsPage />
    case 'eval':
      return <EvalPage />
    case 'settings':
      return <SettingsPage />
    case 'welcome':
      return <WelcomePage />
  }
}

/** The whole UI. */
export function App(): React.JSX.Element {
  const s = useStores()
  const ready = useS(s.app, (a) => a.serverAnswered && a.pipelinesAnswered)
  const hashPage = useS(s.app, (a) => a.page)
  const rest = useS(s.app, (a) => a.rest)
  const empty = useS(s.pipelines, (p) => p.loaded && p.list.length === 0)
  const server = useS(s.app, (a) => a.server)

  useEffect(() => {
    const sync = (): void => s.app.getState().setHash(window.location.hash)
    sync()
    window.addEventListener('hashchange', sync)
    return () => window.removeEventListener('hashchange', sync)
  }, [s.app])

  // With nothing configured and no page asked for, the welcome screen is the start; the URL says
  // so, so it stays put when its own flow creates the first pipeline.
  useEffect(() => {
    if (ready && empty && !hashPage) window.location.replace('#/welcome')
  }, [ready, empty, hashPage])
  const page: Page = hashPage ?? (empty ? 'welcome' : 'pipelines')

  // The title names the page; after a navigation (not the first load) focus moves to the new
  // page's heading, so keyboard and screen-reader users land on what they asked for.
  const shown = useRef<Page | null>(null)
  useEffect(() => {
    document.title = `${TITLES[page]} · llmnet`
    if (!ready) return
    const first = shown.current === null
    if (shown.current === page) return
    shown.current = page
    if (first) return
    // A page loaded on demand has its heading only once its chunk is in: watch for it a while.
    const main = document.getElementById('main')
    const focusHeading = (): boolean => {
      const heading = main?.querySelector<HTMLElement>('h1')
      heading?.focus()
      return Boolean(heading)
    }
    if (focusHeading() || !main) return
    const watch = new MutationObserver(() => {
      if (focusHeading()) watch.disconnect()
    })
    watch.observe(main, { childList: true, subtree: true })
    const stop = setTimeout(() => watch.disconnect(), 5000)
    return () => {
      watch.disconnect()
      clearTimeout(stop)
    }
  }, [page, ready])

  return (
    <div className="app" data-app-state={ready ? 'ready' : 'loading'} data-page={page}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="nav" aria-label="Main">
        <div className="brand">
          llmnet
          {server && server.state !== 'running' && server.state !== 'starting' && (
            <button className="small-button" onClick={() => void s.app.getState().startServer()}>
              Start server
            </button>
          )}
        </div>
        <ul>
          {NAV.map((n) => (
            <li key={n.page}>
              <a
                href={`#/${n.page}`}
                aria-current={page === n.page ? 'page' : undefined}
                data-nav={n.page}
              >
                {n.label}
              </a>
            </li>
          ))}
        </ul>
        <a
          href="#/welcome"
          className="nav-welcome"
          aria-current={page === 'welcome' ? 'page' : undefined}
        >
          Getting started
        </a>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {ready ? <Current page={page} rest={rest} /> : <p className="muted">Connecting…</p>}
      </main>
      <StatusBar />
      <Toasts />
    </div>
  )
}
