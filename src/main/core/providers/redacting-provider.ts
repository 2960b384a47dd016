/**
 * @module The one point where upstream data enters the engine with secrets hidden. Every provider
 * a request reaches is taken through {@link providerForNode}; for a pipeline with secrets it is
 * wrapped so that whatever the upstream sends back (whole answers, streamed deltas, tool calls,
 * log probabilities, endpoint answers and their SSE events, and its errors: message, `param`,
 * `code`, `type`) has every string redacted before a route or a trace sees it. The routes'
 * translations (chat, Responses, Messages, completions, embeddings) therefore only ever handle
 * redacted data. Without secrets the provider is returned as it is, at no cost.
 */
import type { ArchitectureNode } from '../../../shared/config/schema'
import type { ProviderResolver } from '../engine/engine'
import type { CompiledPipeline } from '../engine/pipeline'
import { AppError } from '../errors'
import { redactDeep, redactError, type Redactor, StreamRedactor } from '../secrets/redact'
import {
  type DeltaHandler,
  type EndpointProvider,
  hasEndpoints,
  type Provider,
  type StreamDelta
} from './provider'

/** The provider and upstream model for a node, redacting when the pipeline has secrets. */
export function providerForNode(
  providers: ProviderResolver,
  pipeline: CompiledPipeline,
  node: ArchitectureNode
): { provider: Provider; model: string } {
  const resolved = providers.forNode(pipeline, node)
  if (pipeline.secretValues.length === 0) return resolved
  return {
    provider: redactingProvider(resolved.provider, pipeline.redact, pipeline.secretValues),
    model: resolved.model
  }
}

/** Errors thrown by the upstream call, redacted; others (an abort) pass unless they show one. */
function redactFailure(redact: Redactor): (err: unknown) => never {
  return (err) => {
    if (err instanceof AppError) throw redactError(err, redact)
    if (err instanceof Error && redact(err.message) !== err.message)
      throw redactError(AppError.from(err), redact)
    throw err
  }
}

/**
 * `provider` with every string of its answers and errors redacted. Streamed tool-call arguments
 * and legacy function-call arguments arrive in pieces, so each call's arguments go through a
 * {@link StreamRedactor} (a secret split across pieces is still caught) and what it holds back is
 * sent as one more piece before the stream ends. Streamed text and thinking are held back the
 * same way by the engine's answer guard (engine.ts), which also covers hook output.
 */
export function redactingProvider(
  provider: Provider,
  redact: Redactor,
  secrets: readonly string[]
): Provider {
  const failed = redactFailure(redact)
  const wrapped: Provider = {
    id: provider.id,
    chat: (req, opts) => provider.chat(req, opts).then((res) => redactDeep(res, redact), failed),
    async stream(req, onDelta, opts) {
      const args = new ArgumentGuard(redact, secrets)
      const handler: DeltaHandler = (d) => onDelta(args.push(redactDeep(d, redact)))
      const end = await provider.stream(req, handler, opts).catch(failed)
      for (const rest of args.flush()) await onDelta(rest)
      return redactDeep(end, redact)
    }
  }
  if (!hasEndpoints(provider)) return wrapped
  const endpoint: EndpointProvider['endpoint'] = async (req, onEvent, opts) => {
    if (!onEvent)
      return provider.endpoint(req, undefined, opts).then((a) => redactDeep(a, redact), failed)
    const texts = new TextGuard(redact, secrets)
    const answer = await provider
      .endpoint(req, (data) => onEvent(texts.event(redact(data))), opts)
      .catch(failed)
    const rest = texts.flush()
    if (rest) await onEvent(rest)
    return redactDeep(answer, redact)
  }
  return Object.assign(wrapped, { endpoint })
}

interface CallPiece {
  index?: number
  function?: { arguments?: string }
}

/** Holds back the end of each streamed call's arguments until the next piece (or the end). */
class ArgumentGuard {
  private readonly calls = new Map<number, StreamRedactor>()
  private legacy: StreamRedactor | undefined

  constructor(
    private readonly redact: Redactor,
    private readonly secrets: readonly string[]
  ) {}

  push(d: StreamDelta): StreamDelta {
    if (!d.toolCalls && d.functionCall?.arguments === undefined) return d
    const out = { ...d }
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
class TextGuard {
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
