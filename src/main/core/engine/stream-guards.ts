/**
 * @module Hold-back guards for the pieces of a streamed upstream answer that a secret can be
 * split across: tool-call and function-call arguments, log-probability tokens, and the text of
 * legacy completions events. Each keeps back the end of what it has seen (as long as the longest
 * secret could be) until the next piece, so a secret whose start and end arrive apart is still
 * replaced; `flush()` gives what is left at the end. Used by redacting-provider.ts only for
 * pipelines with secrets.
 */
import type { ChoiceLogprobs } from '../../../shared/openai/chat'
import { type Redactor, StreamRedactor } from '../secrets/redact'
import type { StreamDelta } from './ports'

interface CallPiece {
  index?: number
  function?: { arguments?: string }
}

/**
 * Holds back the end of each streamed call's arguments, and the last log-probability entries,
 * until the next piece (or the end).
 */
export class DeltaGuard {
  private readonly calls = new Map<number, StreamRedactor>()
  private legacy: StreamRedactor | undefined
  private tokens: TokenGuard | undefined
  private refusalTokens: TokenGuard | undefined

  constructor(
    private readonly redact: Redactor,
    private readonly secrets: readonly string[]
  ) {}

  push(d: StreamDelta): StreamDelta {
    if (!d.toolCalls && d.functionCall?.arguments === undefined && !d.logprobs) return d
    const out = { ...d }
    if (d.logprobs) out.logprobs = this.logprobs(d.logprobs)
    if (d.toolCalls) out.toolCalls = d.toolCalls.map((c) => this.call(c))
    if (d.functionCall?.arguments !== undefined) {
      this.legacy ??= new StreamRedactor(this.redact, this.secrets)
      out.functionCall = {
        ...d.functionCall,
        arguments: this.legacy.push(d.functionCall.arguments)
      }
    }
    return out
  }

  private logprobs(lp: ChoiceLogprobs): ChoiceLogprobs {
    const out = { ...lp }
    if (Array.isArray(lp.content))
      out.content = (this.tokens ??= new TokenGuard(this.redact, this.secrets)).push(lp.content)
    if (Array.isArray(lp.refusal)) {
      this.refusalTokens ??= new TokenGuard(this.redact, this.secrets)
      out.refusal = this.refusalTokens.push(lp.refusal)
    }
    return out
  }

  /** A streamed call's piece, its arguments held back; whole calls (no index) pass as they are. */
  private call(raw: unknown): unknown {
    const c = raw as CallPiece
    if (typeof c?.index !== 'number' || typeof c.function?.arguments !== 'string') return raw
    let guard = this.calls.get(c.index)
    if (!guard) this.calls.set(c.index, (guard = new StreamRedactor(this.redact, this.secrets)))
    return { ...c, function: { ...c.function, arguments: guard.push(c.function.arguments) } }
  }

  /** The held-back ends, as the last pieces of their calls. */
  flush(): StreamDelta[] {
    const out: StreamDelta[] = []
    for (const [index, guard] of this.calls) {
      const rest = guard.flush()
      if (rest) out.push({ toolCalls: [{ index, function: { arguments: rest } }] })
    }
    const rest = this.legacy?.flush()
    if (rest) out.push({ functionCall: { arguments: rest } })
    const content = this.tokens?.flush() ?? []
    const refusal = this.refusalTokens?.flush() ?? []
    if (content.length > 0 || refusal.length > 0)
      out.push({ logprobs: { content, ...(refusal.length > 0 && { refusal }) } })
    return out
  }
}

interface TextEvent {
  choices?: { index?: number; text?: unknown; finish_reason?: unknown }[]
}

/**
 * Holds back the end of each choice's streamed `text` (legacy completions events) until its next
 * piece; a choice's last event (with its `finish_reason`) carries what was held back.
 */
export class TextGuard {
  private readonly choices = new Map<number, StreamRedactor>()
  private last: TextEvent | undefined

  constructor(
    private readonly redact: Redactor,
    private readonly secrets: readonly string[]
  ) {}

  /** The event with its texts' safe parts, re-serialised when anything was held back. */
  event(data: string): string {
    let event: TextEvent
    try {
      event = JSON.parse(data) as TextEvent
    } catch {
      return data // the route reports the broken event
    }
    if (!Array.isArray(event?.choices)) return data
    let changed = false
    const choices = event.choices.map((c, i) => {
      if (typeof c?.text !== 'string') return c
      const index = typeof c.index === 'number' ? c.index : i
      let guard = this.choices.get(index)
      if (!guard) this.choices.set(index, (guard = new StreamRedactor(this.redact, this.secrets)))
      let text = guard.push(c.text)
      if (c.finish_reason) {
        text += guard.flush()
        this.choices.delete(index)
      }
      if (text === c.text) return c
      changed = true
      return { ...c, text }
    })
    this.last = event
    return changed ? JSON.stringify({ ...event, choices }) : data
  }

  /** Text still held back when the stream ended without a finish reason, as one more event. */
  flush(): string | undefined {
    const choices = [...this.choices].flatMap(([index, guard]) => {
      const text = guard.flush()
      return text ? [{ index, text, finish_reason: null }] : []
    })
    this.choices.clear()
    if (choices.length === 0) return undefined
    return JSON.stringify({ ...this.last, choices })
  }
}

interface TokenEntry {
  token?: unknown
  logprob?: unknown
  bytes?: unknown
  top_logprobs?: unknown
}

/**
 * An entry whose `token` was redacted loses its `bytes` (the token's UTF-8 bytes, which would
 * still spell the key); so do its alternatives in `top_logprobs`.
 */
function withoutStaleBytes(raw: unknown): unknown {
  const e = raw as TokenEntry | null
  if (!e || typeof e !== 'object') return raw
  const fixed = staleBytes(e) ? { ...e, bytes: null } : e
  if (!Array.isArray(e.top_logprobs) || !e.top_logprobs.some(staleBytes)) return fixed
  const top: unknown[] = e.top_logprobs.map((t: unknown) =>
    staleBytes(t) ? { ...(t as TokenEntry), bytes: null } : t
  )
  return { ...fixed, top_logprobs: top }
}

function staleBytes(raw: unknown): boolean {
  const e = raw as TokenEntry | null
  if (!Array.isArray(e?.bytes) || typeof e.token !== 'string') return false
  const bytes = e.bytes as unknown[]
  if (!bytes.every((b) => typeof b === 'number')) return true
  return Buffer.from(bytes as number[]).toString('utf8') !== e.token
}

const tokenOf = (e: unknown): string => {
  const t = (e as TokenEntry | null)?.token
  return typeof t === 'string' ? t : ''
}

/**
 * Log-probability entries (`{token, logprob, bytes, top_logprobs}`) spell the answer a token at a
 * time, so a key spans several. The last entries are held back while their tokens are shorter
 * than the longest secret could be; when the held tokens together contain a secret, they are
 * merged into one entry with the redacted text (its `logprob` the sum, no `bytes` or
 * alternatives), which no client can join back into the key.
 */
export class TokenGuard {
  private held: unknown[] = []
  private heldChars = 0
  private readonly hold: number

  constructor(
    private readonly redact: Redactor,
    secrets: readonly string[]
  ) {
    // As StreamRedactor's: the longest form (URI-encoded) of the longest secret.
    this.hold = Math.max(0, ...secrets.map((s) => s.length * 3)) - 1
  }

  /** The entries now safe to send. */
  push(entries: readonly unknown[]): unknown[] {
    for (const raw of entries) {
      const e = withoutStaleBytes(raw)
      this.held.push(e)
      this.heldChars += tokenOf(e).length
    }
    const text = this.held.map(tokenOf).join('')
    const redacted = this.redact(text)
    if (redacted !== text) {
      let logprob = 0
      for (const e of this.held) {
        const p = (e as TokenEntry | null)?.logprob
        if (typeof p === 'number') logprob += p
      }
      this.held = [{ token: redacted, logprob, bytes: null, top_logprobs: [] }]
      this.heldChars = redacted.length
    }
    const out: unknown[] = []
    while (this.held.length > 1 && this.heldChars - tokenOf(this.held[0]).length >= this.hold) {
      const e = this.held.shift()
      this.heldChars -= tokenOf(e).length
      out.push(e)
    }
    return out
  }

  /** What is still held back at the end. */
  flush(): unknown[] {
    const out = this.held
    this.held = []
    this.heldChars = 0
    return out
  }
}

/** A whole answer's log probabilities with any key spread over several tokens merged away. */
export function wholeLogprobs(
  lp: ChoiceLogprobs,
  redact: Redactor,
  secrets: readonly string[]
): ChoiceLogprobs {
  const whole = (entries: unknown[] | null | undefined): unknown[] | null | undefined => {
    if (!Array.isArray(entries)) return entries
    const guard = new TokenGuard(redact, secrets)
    return [...guard.push(entries), ...guard.flush()]
  }
  return { ...lp, content: whole(lp.content), refusal: whole(lp.refusal) }
}
