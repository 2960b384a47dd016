import { useS, useStores } from '../stores'

/**
 * Errors with the server's message and code; info messages. They take their own row above the
 * status bar, so they never cover a button, and go by themselves (the store times them).
 * Screen readers hear each one.
 */
export function Toasts(): React.JSX.Element {
  const { toasts } = useStores()
  const list = useS(toasts, (s) => s.toasts)
  return (
    <div className="toasts" aria-live="polite" data-testid="toasts">
      {list.map((t) => (
        <div
          key={t.id}
          className={`toast ${t.kind}`}
          role={t.kind === 'error' ? 'alert' : 'status'}
        >
          <span className="toast-text">
            {t.message}
            {t.code && <code className="muted"> ({t.code})</code>}
          </span>
          <button
            className="ghost"
            aria-label="Dismiss"
            onClick={() => toasts.getState().dismiss(t.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  )
}
