/**
 * @module Start on login, from the settings' `app.openAtLogin`. Electron supports it on macOS and
 * Windows; on Linux nothing is changed and the caller is told so.
 */

/** The parts of Electron's `app` used here. */
export interface LoginItemApp {
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void
  getLoginItemSettings(options?: { args?: string[] }): {
    openAtLogin: boolean
    wasOpenedAtLogin?: boolean
  }
}

/** Passed when Windows starts the app at login, so it starts in the tray. */
export const HIDDEN_ARG = '--hidden'

/** Makes the OS start the app at login (or not); false where unsupported (Linux). */
export function applyLoginItem(
  app: LoginItemApp,
  openAtLogin: boolean,
  platform: NodeJS.Platform = process.platform
): boolean {
  if (platform !== 'darwin' && platform !== 'win32') return false
  const args = platform === 'win32' ? [HIDDEN_ARG] : undefined
  const current = app.getLoginItemSettings(args ? { args } : undefined)
  if (current.openAtLogin !== openAtLogin) {
    app.setLoginItemSettings(args ? { openAtLogin, args } : { openAtLogin })
  }
  return true
}

/** Whether this launch came from the login item, so no window should be shown. */
export function startedAtLogin(
  app: LoginItemApp,
  argv: readonly string[] = process.argv,
  platform: NodeJS.Platform = process.platform
): boolean {
  if (argv.includes(HIDDEN_ARG)) return true
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true
}
