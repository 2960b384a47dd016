/**
 * @module The Chat page's composer: the message box (Enter sends, Shift+Enter breaks the line)
 * and Send, or Stop while an answer streams.
 */
import { useState } from 'react'
import type { ChatState } from '../../stores/chat-store'

/** The message form under the conversation; it keeps the text being typed. */
export function ChatComposer(props: {
  running: boolean
  send: ChatState['send']
  stop: ChatState['stop']
}): React.JSX.Element {
  const [text, setText] = useState('')
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault()
        void props.send(text)
        setText('')
      }}
    >
      <textarea
        rows={2}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault()
            e.currentTarget.form?.requestSubmit()
          }
        }}
        placeholder="Message (Enter sends, Shift+Enter for a new line)"
        aria-label="Message"
        data-testid="chat-input"
      />
      {props.running ? (
        <button type="button" className="danger" onClick={() => void props.stop()}>
          Stop
        </button>
      ) : (
        <button type="submit" className="primary" disabled={!text.trim()}>
          Send
        </button>
      )}
    </form>
  )
}
