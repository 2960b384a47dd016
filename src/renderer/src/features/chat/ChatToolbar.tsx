/**
 * @module The Chat page's toolbar: the pipeline to chat with, the sampler settings, and Clear.
 */
import type { PipelineSummary } from '../../stores/pipelines-store'
import type { ChatState } from '../../stores/chat-store'

/** The toolbar above the conversation (the page's h1 included). */
export function ChatToolbar(props: {
  chat: ChatState
  pipelines: readonly PipelineSummary[]
}): React.JSX.Element {
  const c = props.chat
  return (
    <div className="toolbar wrap">
      <h1 tabIndex={-1}>Chat</h1>
      <label className="inline">
        Pipeline{' '}
        <select
          value={c.pipeline ?? ''}
          onChange={(e) => c.setPipeline(e.target.value)}
          disabled={c.running}
          title={c.running ? 'Stop the answer to switch pipelines' : undefined}
          data-testid="chat-pipeline"
        >
          {props.pipelines.map((p) => (
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
          onChange={(e) => c.setTemperature(Number(e.target.value))}
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
          onChange={(e) => c.setMaxTokens(e.target.value ? Number(e.target.value) : null)}
          className="narrow"
          data-testid="max-tokens"
        />
      </label>
      <span className="grow" />
      <button onClick={() => c.clear()} disabled={c.running || !c.turns.length}>
        Clear
      </button>
    </div>
  )
}
