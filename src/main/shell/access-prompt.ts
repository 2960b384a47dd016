/**
 * @module The shell's side of per-app access: the question "App X wants to use llmnet" as a
 * dialog. The decision logic (dedupe, timeout, registering the token) is the runtime's
 * AccessPolicy; this only shows the prompt and returns the answer.
 */
import { type BrowserWindow, dialog } from 'electron'
import type { AccessRequest, AskUser } from '../core/access/access-policy'

/** An {@link AskUser} that shows a message box (on the window when one is visible). */
export function dialogAsk(window: () => BrowserWindow | undefined): AskUser {
  return async (request: AccessRequest, signal: AbortSignal) => {
    const options = {
      type: 'question' as const,
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
    }
    const win = window()
    const result =
      win && win.isVisible()
        ? await dialog.showMessageBox(win, options)
        : await dialog.showMessageBox(options)
    return result.response === 0 ? 'allow' : 'deny'
  }
}
