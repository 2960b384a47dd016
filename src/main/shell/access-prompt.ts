/**
 * @module The shell's message boxes. Each one is attached to the app's window, which is shown
 * first: on macOS a message box without a parent window, or with a hidden one, runs
 * synchronously (dialog.md, `signal`: "message boxes that do not have a parent window … run
 * synchronously due to platform limitations"), which would stop the main process, and with it
 * the API server, IPC and the tray, until someone clicks. The access question itself ("App X
 * wants to use llmnet") is decided by the runtime's AccessPolicy (dedupe, timeout, registering
 * the token); this only shows it and returns the answer.
 */
import { type BrowserWindow, type MessageBoxOptions, dialog } from 'electron'
import type { AccessRequest, AskUser } from '../core/access/access-policy'

/**
 * Shows a message box on `window()` (which creates or reveals the window, so it is visible) and
 * resolves with the button clicked. Never parentless, so it never blocks the main process.
 */
export async function askOnWindow(
  window: () => BrowserWindow,
  options: MessageBoxOptions
): Promise<number> {
  const win = window()
  const { response } = await dialog.showMessageBox(win, options)
  return response
}

/** An {@link AskUser} that asks in a message box on the app's window. */
export function dialogAsk(window: () => BrowserWindow): AskUser {
  return async (request: AccessRequest, signal: AbortSignal) => {
    const response = await askOnWindow(window, {
      type: 'question',
      title: 'llmnet: app access',
      message: `App "${request.appName}" wants to use llmnet`,
      detail:
        `It sent a token llmnet does not know (${request.tokenHint}). Allow it to use the ` +
        'local API? You can revoke it later in Settings → Apps.',
      buttons: ['Allow', 'Deny'],
      defaultId: 1,
      cancelId: 1,
      noLink: true,
      signal
    })
    return response === 0 ? 'allow' : 'deny'
  }
}
