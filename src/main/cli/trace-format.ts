import type { Trace } from '../core/engine/trace'
import type { Style } from './style'

/** A compact, readable trace: one line per hop with time, tokens and the router's raw answer. */
export function formatTrace(t: Trace, style: Style): string {
  const status = t.status === 'ok' ? style.green('ok') : style.red(`error ${t.error?.code}`)
  const lines = [
    `${style.bold(`trace ${t.id}`)} ${t.pipeline} ${status} ${t.durationMs} ms  route ${t.route.join(' > ')}`
  ]
  for (const h of t.hops) {
    const cached = h.usage?.prompt_tokens_details?.cached_tokens
    const tokens = h.usage
      ? `  tokens ${h.usage.prompt_tokens}${cached ? ` (${cached} cached)` : ''}+${h.usage.completion_tokens}`
      : ''
    const ttft = h.ttftMs !== undefined ? `  ttft ${h.ttftMs} ms` : ''
    const decision = h.decision ? ` → ${h.decision} (${h.decisionSource})` : ''
    const model = h.model ? `  [${h.model}]` : ''
    lines.push(
      `  ${h.action.padEnd(6)} ${h.node}${decision}${model}  ${h.durationMs} ms${ttft}${tokens}`
    )
    if (h.filtered)
      for (const f of h.filtered)
        lines.push(style.dim(`         filtered out ${f.node}: if ${f.condition}`))
    if (h.rawAnswers)
      for (const a of h.rawAnswers)
        lines.push(style.dim(`         router said: ${JSON.stringify(a.slice(0, 200))}`))
    if (h.error) lines.push(style.red(`         ${h.error}`))
  }
  if (t.error) lines.push(style.red(`  ${t.error.message}`))
  lines.push(
    `  usage ${t.usage.prompt_tokens} prompt + ${t.usage.completion_tokens} completion = ${t.usage.total_tokens}`
  )
  return `${lines.join('\n')}\n`
}
