/**
 * @module The messages an answering node receives (documented in docs/engine.md):
 *   1. one `system` message: the node's `context`, then, when an earlier node answered,
 *      `Previous answer (from "<node>"):` and that answer;
 *   2. the client's messages, unchanged (its own system messages, history, the current turn).
 */
import type { ArchitectureNode } from '../../../shared/config/schema'
import { type ChatMessage, messageText } from '../../../shared/openai/chat'

export interface PreviousAnswer {
  node: string
  text: string
}

export function answerMessages(
  node: Pick<ArchitectureNode, 'context'>,
  clientMessages: readonly ChatMessage[],
  previous?: PreviousAnswer
): ChatMessage[] {
  const system: string[] = []
  if (node.context?.trim()) system.push(node.context.trim())
  if (previous) system.push(`Previous answer (from "${previous.node}"):\n${previous.text}`)
  return system.length > 0
    ? [{ role: 'system', content: system.join('\n\n') }, ...clientMessages]
    : [...clientMessages]
}

/** The text of the last user message, else of the last message. */
export function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]
    if (m?.role === 'user') return messageText(m.content)
  }
  return messageText(messages.at(-1)?.content)
}

/** The messages with the last user message's content replaced (a pre hook transformed it). */
export function withLastUserText(messages: readonly ChatMessage[], text: string): ChatMessage[] {
  const out = [...messages]
  for (let i = out.length - 1; i >= 0; i--) {
    const m = out[i]
    if (m?.role === 'user') {
      out[i] = { ...m, content: text }
      return out
    }
  }
  return [...out, { role: 'user', content: text }]
}
