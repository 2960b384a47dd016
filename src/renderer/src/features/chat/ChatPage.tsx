/**
 * @module The chat tester: pick a pipeline (each keeps its conversation), chat with streaming,
 * and see each answer's route as a table and on the graph.
 */
import { useEffect, useRef } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { PipelineGraph } from '../../components/lazy'
import { useComposition } from '../../lib/use-composition'
import { useS, useStores } from '../../stores'
import { ChatComposer } from './ChatComposer'
import { ChatToolbar } from './ChatToolbar'
import { Message } from './Message'

/** The Chat page. */
export function ChatPage(): React.JSX.Element {
  const s = useStores()
  const pipelines = useS(s.pipelines, (p) => p.list.filter((x) => x.status === 'loaded'))
  const c = useS(s.chat, (x) => x)
  const chat = s.chat.getState()
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
      <ChatToolbar chat={c} pipelines={pipelines} />
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
      <ChatComposer running={c.running} send={chat.send} stop={chat.stop} />
    </div>
  )
}
