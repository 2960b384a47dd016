import { useEffect } from 'react'
import { useS, useStores } from '../stores'

/** How long an info message stays; errors stay until dismissed. */
const INFO_MS = 4000

/** Errors with the server's message and code; info messages. Screen readers hear each one. */
export function Toasts(): React.JSX.Element {
  const { toasts } = useStores()
  const list = useS(toasts, (s) => s.toasts)
  const info = list.find((t) => t.kind === 'info')
  useEffect(() => {
    if (!info) return
    const timer = setTimeout(() => toasts.getState().dismiss(info.id), INFO_MS)
    return () => clearTimeout(timer)
  }, [info, toasts])
  return (
    <div className="toasts" aria-live="polite">
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
