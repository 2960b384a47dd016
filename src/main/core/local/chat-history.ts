/** @module OpenAI chat messages as node-llama-cpp's chat history. */
import type { ChatHistoryItem } from 'node-llama-cpp'
import type { ChatMessage } from '../../../shared/openai/chat'

function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content
  if (!content) return ''
  return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('')
}

/** OpenAI messages → node-llama-cpp chat history, ending with an empty model turn to complete. */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = []
  for (const m of messages) {
    const text = contentText(m.content)
    switch (m.role) {
      case 'system':
      case 'developer':
        history.push({ type: 'system', text })
        break
      case 'user':
        history.push({ type: 'user', text })
        break
      case 'assistant':
        history.push({ type: 'model', response: [text] })
        break
      default:
        // Tool results: this worker offers no function calling, so they read as user text.
        history.push({ type: 'user', text: `Tool result${m.name ? ` (${m.name})` : ''}: ${text}` })
    }
  }
  history.push({ type: 'model', response: [] })
  return history
}
