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
import { AppError } from '../errors'
import { redactDeep, redactError, type Redactor } from '../secrets/redact'
import {
  type CompiledPipeline,
  type DeltaHandler,
  type EndpointProvider,
  hasEndpoints,
  type Provider,
  type ProviderResolver
} from './ports'
import { DeltaGuard, TextGuard, wholeLogprobs } from './stream-guards'

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
 * `provider` with every string of its answers and errors redacted. Streamed tool-call arguments,
 * legacy function-call arguments, log probabilities and completions text arrive in pieces, so
 * they go through the guards of stream-guards.ts (a secret split across pieces is still caught),
 * and what those hold back is sent as one more piece before the stream ends. Streamed text and thinking are held back the
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
    chat: (req, opts) =>
      provider.chat(req, opts).then((res) => {
        const out = redactDeep(res, redact)
        // Log probabilities spell the answer token by token: a key over several is merged.
        return out.logprobs
          ? { ...out, logprobs: wholeLogprobs(out.logprobs, redact, secrets) }
          : out
      }, failed),
    async stream(req, onDelta, opts) {
      const args = new DeltaGuard(redact, secrets)
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
