/**
 * @module Guards for every web contents the app creates: no navigation away from the app, no new
 * windows, links opened in the browser only over https to known hosts (others after the user
 * confirms), no webviews, and every permission but clipboard writing denied.
 */

/** Hosts whose links open in the browser without asking: the project's and its model sources. */
export const EXTERNAL_HOSTS: readonly string[] = [
  'github.com',
  'huggingface.co',
  'ollama.com',
  'openai.com',
  'platform.openai.com'
]

/** Whether `url` may open in the browser without asking: https, a known host, no credentials. */
export function isAllowedExternal(url: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  const parsed = parseUrl(url)
  if (!parsed || parsed.protocol !== 'https:') return false
  if (parsed.username !== '' || parsed.password !== '' || parsed.port !== '') return false
  return hosts.includes(parsed.hostname)
}

/** What to do with a link the page tries to open: open it, ask the user first, or refuse. */
export function externalDecision(url: string): 'open' | 'confirm' | 'deny' {
  if (isAllowedExternal(url)) return 'open'
  const parsed = parseUrl(url)
  const plainHttps =
    parsed?.protocol === 'https:' && parsed.username === '' && parsed.password === ''
  return plainHttps ? 'confirm' : 'deny'
}

/** The parts of WebContents the guards use. */
export interface GuardedContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: PreventableEvent, url: string) => void
  ): unknown
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown
}

export interface PreventableEvent {
  preventDefault(): void
}

export interface GuardOptions {
  /** The app's own pages (see `isTrustedSender`): the only navigation allowed. */
  isAppUrl(url: string): boolean
  /** Opens in the browser (`shell.openExternal`). */
  openExternal(url: string): void
  /** Asks the user whether to open an unknown https link; resolves true to open. */
  confirmExternal(url: string): Promise<boolean>
}

/** Applies the guards to one web contents. */
export function guardContents(contents: GuardedContents, opts: GuardOptions): void {
  const outward = (url: string): void => {
    const decision = externalDecision(url)
    if (decision === 'open') opts.openExternal(url)
    else if (decision === 'confirm') {
      void opts.confirmExternal(url).then(
        (yes) => yes && opts.openExternal(url),
        () => undefined
      )
    }
  }
  contents.setWindowOpenHandler(({ url }) => {
    outward(url)
    return { action: 'deny' }
  })
  const onNavigate = (event: PreventableEvent, url: string): void => {
    if (opts.isAppUrl(url)) return
    event.preventDefault()
    outward(url)
  }
  contents.on('will-navigate', onNavigate)
  contents.on('will-redirect', onNavigate)
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

/** The parts of Electron's Session the permission handlers use. */
export interface PermissionSession {
  setPermissionRequestHandler(
    handler: (
      contents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: { requestingUrl?: string; isMainFrame: boolean }
    ) => void
  ): void
  setPermissionCheckHandler(
    handler: (
      contents: unknown,
      permission: string,
      requestingOrigin: string,
      details: { requestingUrl?: string; isMainFrame: boolean }
    ) => boolean
  ): void
}

/** The one permission the app uses: writing text to the clipboard (the Copy buttons). */
export const APP_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write'])

/**
 * Grants `clipboard-sanitized-write` to the app's own top-level page and denies every other
 * permission (camera, notifications, clipboard reading, …) to every page, requests and checks
 * alike.
 */
export function appPermissions(
  session: PermissionSession,
  isAppUrl: (url: string) => boolean
): void {
  const allowed = (permission: string, details: { requestingUrl?: string; isMainFrame: boolean }) =>
    APP_PERMISSIONS.has(permission) &&
    details.isMainFrame &&
    details.requestingUrl !== undefined &&
    isAppUrl(details.requestingUrl)
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(allowed(permission, details))
  )
  session.setPermissionCheckHandler((_contents, permission, _origin, details) =>
    allowed(permission, details)
  )
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text)
  } catch {
    return null
  }
}
