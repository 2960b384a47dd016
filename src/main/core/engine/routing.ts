/**
 * @module The routing prompt and the parsing of a router's answer.
 *
 * The prompt puts what is constant first (instructions, then the candidates) and the text to route
 * last, so a local backend can reuse its evaluated prefix from one request to the next.
 * The prompt asks for the bare name: a local llama.cpp model samples only the name (constrained to
 * the candidates), and backends with JSON-schema decoding wrap it as their schema says.
 * Parsing accepts `{"route": …}` (what constrained decoding produces), then an exact name, a
 * case-insensitive name, and finally whole-word mentions with the longest name winning; never the
 * original's ambiguous substring match.
 */
import type { ArchitectureNode } from '../../../shared/config/schema'
import type { ChatMessage } from '../../../shared/openai/chat'

export function routingSystemPrompt(candidates: readonly ArchitectureNode[]): string {
  const list = candidates
    .map(
      (c) =>
        `- "${c.name}": ${c['use-case']?.trim() || (c.adapter === 'output' ? 'finish and return the answer as it is' : 'no description')}`
    )
    .join('\n')
  return [
    'You are a request router. Choose the one handler best suited to the request that follows.',
    '',
    'Handlers:',
    list,
    '',
    'Reply with the name of one handler only, exactly as written in the list.'
  ].join('\n')
}

export function routingMessages(
  candidates: readonly ArchitectureNode[],
  text: string
): ChatMessage[] {
  return [
    { role: 'system', content: routingSystemPrompt(candidates) },
    { role: 'user', content: text }
  ]
}

/** The text a later node routes on: the user's question and the answer so far. */
export function laterRoutingText(question: string, answer: string): string {
  return `Request:\n${question}\n\nAnswer so far:\n${answer}`
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The candidate named by a router's answer, or undefined when it names none unambiguously. */
export function parseRouteAnswer(answer: string, names: readonly string[]): string | undefined {
  const text = answer.replace(/<think>[\s\S]*?(<\/think>|$)/gi, '').trim()
  if (text === '') return undefined
  const json = /\{[\s\S]*\}/.exec(text)
  if (json) {
    try {
      const parsed = JSON.parse(json[0]) as Record<string, unknown>
      for (const key of ['route', 'name', 'handler', 'node', 'choice']) {
        const v = parsed[key]
        if (typeof v === 'string') {
          const hit = matchName(v, names)
          if (hit) return hit
        }
      }
    } catch {
      // not JSON: fall through to text matching
    }
  }
  return matchName(text, names)
}

function matchName(raw: string, names: readonly string[]): string | undefined {
  const text = raw.trim()
  if (names.includes(text)) return text
  const stripped = text.replace(/^["'`*\s]+|["'`*.\s]+$/g, '')
  const lower = stripped.toLowerCase()
  const ci = names.find((n) => n.toLowerCase() === lower)
  if (ci) return ci
  const mentioned = names.filter((n) =>
    new RegExp(`(^|[^A-Za-z0-9_-])${escape(n)}($|[^A-Za-z0-9_-])`, 'i').test(text)
  )
  if (mentioned.length === 0) return undefined
  const longest = Math.max(...mentioned.map((n) => n.length))
  const best = mentioned.filter((n) => n.length === longest)
  return best.length === 1 ? best[0] : undefined
}
