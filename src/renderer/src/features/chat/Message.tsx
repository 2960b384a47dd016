/**
 * @module One chat message: selectable text (answers as markdown), Copy on every message, and
 * under an answer its route (one click: the table, and the route highlighted on the graph),
 * Regenerate on the last one, and a "stopped" mark when the user stopped it.
 */
import { CopyButton } from '../../components/CopyButton'
import { Markdown } from '../../components/lazy'
import { RouteView } from '../../components/RouteView'
import type { ChatTurn } from '../../stores/chat-store'

/** A message of the conversation. */
export function Message(props: {
  turn: ChatTurn
  /** This answer's route is open and highlighted on the graph. */
  selected: boolean
  last: boolean
  running: boolean
  onRoute(): void
  onRegenerate(): void
}): React.JSX.Element {
  const t = props.turn
  if (t.role === 'user')
    return (
      <div className="msg-row user" data-testid="user-message">
        <div className="msg user">
          <div className="msg-text">{t.content}</div>
        </div>
        <div className="msg-actions">
          <CopyButton text={t.content} className="small-button" title="Copy this message" />
        </div>
      </div>
    )
  return (
    <div
      className={`msg assistant${props.selected ? ' selected' : ''}`}
      data-testid="assistant-message"
      aria-busy={t.streaming ? true : undefined}
    >
      <div className="msg-body" data-testid="answer-text">
        {t.content ? <Markdown text={t.content} /> : t.streaming ? '…' : ''}
      </div>
      {t.error && (
        <div className="bad small msg-error">
          {t.error.message} ({t.error.code})
        </div>
      )}
      {!t.streaming && (
        <div className="msg-actions">
          {t.stopped && (
            <span className="muted small" data-testid="stopped-mark">
              stopped
            </span>
          )}
          {t.content && (
            <CopyButton text={t.content} className="small-button" title="Copy this answer" />
          )}
          {props.last && (
            <button
              type="button"
              className="small-button"
              onClick={props.onRegenerate}
              disabled={props.running}
              data-testid="regenerate"
            >
              Regenerate
            </button>
          )}
          {t.trace && (
            <button
              type="button"
              className="small-button"
              onClick={props.onRoute}
              aria-expanded={props.selected}
              title="Show why this answer took its route, and highlight it on the graph"
              data-testid="route-toggle"
            >
              Route{t.trace.route.length ? `: ${t.trace.route.join(' → ')}` : ''}
            </button>
          )}
        </div>
      )}
      {t.trace && props.selected && <RouteView trace={t.trace} />}
    </div>
  )
}
