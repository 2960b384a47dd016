/**
 * @module The chat tester: pick a pipeline (each keeps its conversation), chat with streaming,
 * and see each answer's route as a table and on the graph.
 */
import { useEffect, useRef, useState } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { PipelineGraph } from '../../components/lazy'
import { useComposition } from '../../lib/use-composition'
import { useS, useStores } from '../../stores'
import { Message } from './Message'

/** The Chat page. */
export function ChatPage(): React.JSX.Element {
  const s = useStores()
  const pipelines = useS(s.pipelines, (p) => p.list.filter((x) => x.status === 'loaded'))
  const c = useS(s.chat, (x) => x)
  const chat = s.chat.getState()
  const [text, setText] = useState('')
  const log = useRef<HTMLDivElement>(null)
  const composition = useComposition(c.pipeline)

  useEffect(() => {
    if (!c.pipeline && pipelines.length)
      chat.setPipeline((pipelines.find((p) => p.isDefault) ?? pipelines[0])!.name)
  }, [c.pipeline, pipelines, chat])
  // Follow the answer as it streams, and once more when it ends (its route table opens then).
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight })
  }, [c.turns, c.running])

  const selectedTurn = c.selected !== null ? c.turns[c.selected] : undefined
  const route = selectedTurn?.trace?.route ?? []

  if (!pipelines.length)
    return (
      <div className="page" data-testid="page-chat">
        <h1 tabIndex={-1}>Chat</h1>
        <EmptyState
          title="No pipeline is loaded"
          action={<a href="#/pipelines">Go to Pipelines</a>}
        >
          Save a valid pipeline first; then chat with it here and see the route of every answer.
        </EmptyState>
      </div>
    )

  return (
    <div className="page chat-page" data-testid="page-chat">
      <div className="toolbar wrap">
        <h1 tabIndex={-1}>Chat</h1>
        <label className="inline">
          Pipeline{' '}
          <select
            value={c.pipeline ?? ''}
            onChange={(e) => chat.setPipeline(e.target.value)}
            disabled={c.running}
            title={c.running ? 'Stop the answer to switch pipelines' : undefined}
            data-testid="chat-pipeline"
          >
            {pipelines.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Temperature{' '}
          <input
            type="number"
            min={0}
            max={2}
            step={0.1}
            value={c.temperature}
            onChange={(e) => chat.setTemperature(Number(e.target.value))}
            className="narrow"
          />
        </label>
        <label className="inline">
          Max tokens{' '}
          <input
            type="number"
            min={1}
            placeholder="auto"
            value={c.maxTokens ?? ''}
            onChange={(e) => chat.setMaxTokens(e.target.value ? Number(e.target.value) : null)}
            className="narrow"
            data-testid="max-tokens"
          />
        </label>
        <span className="grow" />
        <button onClick={() => chat.clear()} disabled={c.running || !c.turns.length}>
          Clear
        </button>
      </div>
      <div className="chat-split">
        <div className="chat-log" ref={log} data-testid="chat-log" aria-live="polite">
          {c.turns.length === 0 && (
            <p className="muted">
              Ask something. Answers show the nodes they passed: open an answer&apos;s Route to see
              why, highlighted on the graph. Each pipeline keeps its own conversation.
            </p>
          )}
          {c.turns.map((t, i) => (
            <Message
              key={i}
              turn={t}
              selected={c.selected === i}
              last={i === c.turns.length - 1}
              running={c.running}
              onRoute={() => chat.select(c.selected === i ? null : i)}
              onRegenerate={() => void chat.regenerate()}
            />
          ))}
        </div>
        <div className="chat-graph">
          <PipelineGraph composition={composition} route={route} height={300} />
        </div>
      </div>
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault()
          void chat.send(text)
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
        {c.running ? (
          <button type="button" className="danger" onClick={() => void chat.stop()}>
            Stop
          </button>
        ) : (
          <button type="submit" className="primary" disabled={!text.trim()}>
            Send
          </button>
        )}
      </form>
    </div>
  )
}
