/**
 * @module The pipeline engine: runs one chat request through a compiled pipeline.
 *
 * - The entry (layer-0) node routes when more than one candidate passes its conditions, passes the
 *   request on without a model call when one does, and answers itself when its next node is an
 *   output node (the 1-0-1 proxy).
 * - Every other LLM node answers (its `context` is its system prompt), then its own model picks
 *   the next node when several candidates pass.
 * - The final answer streams end to end; intermediate answers are buffered.
 * The final answer goes into an EngineSink; failures are AppErrors; every run emits one Trace.
 * A run's steps are in run.ts, its routing decisions in decide.ts.
 */
import { AppError } from '../errors'
import { redactDeep, redactError, StreamRedactor } from '../secrets/redact'
import type { CompiledPipeline, StreamDelta } from './ports'
import { PipelineRun } from './run'
import type { Trace } from './trace'
import type { EngineDeps, EngineResult, EngineSink, RunInput } from './types'

export type { ProviderResolver } from './ports'
export type { EngineDeps, EngineResult, EngineSink, RunInput } from './types'

/**
 * Runs a request, writing the final answer into `sink`. Resolves when the answer is complete;
 * rejects with an AppError. Cancel with the input's signal.
 */
export async function runPipeline(
  deps: EngineDeps,
  input: RunInput,
  target: EngineSink
): Promise<EngineResult> {
  let answer = ''
  const sink: EngineSink = deps.recordExchanges
    ? {
        start: (route, fp) => target.start(route, fp),
        delta: (d) => {
          if (d.content) answer += d.content
          return target.delta(d)
        }
      }
    : target
  const redact = input.pipeline.redact
  const secrets = input.pipeline.secretValues
  // With secrets loaded, the answer is redacted too (a hook or model could echo a secret).
  const guard = secrets.length > 0 ? redacting(sink, redact, secrets) : undefined
  const out: EngineSink = guard ?? sink
  const run = new PipelineRun(deps, input, out)
  try {
    const result = await run.execute()
    const rest = guard?.flush()
    if (rest) await sink.delta(rest)
    return result
  } catch (err) {
    let e = input.signal.aborted ? abortError(input.signal.reason, err) : AppError.from(err)
    // Secret values never leave in an error (message, param, an upstream's code and type).
    e = redactError(e, redact)
    // Text held back to catch a split secret was already answered: send it (redacted) before
    // the caller writes the error event.
    const rest = guard?.flush()
    try {
      if (rest && !input.signal.aborted) await sink.delta(rest)
    } catch {
      // the run's own error is the one to report
    }
    run.fail(e)
    throw e
  } finally {
    // The trace waits for this request's observe hooks, so their outcome is in it.
    const trace = run.trace()
    if (deps.recordExchanges) {
      const {
        model: _model,
        messages,
        stream: _stream,
        stream_options: _so,
        ...params
      } = input.request
      trace.request = { messages, params }
      trace.answer = answer
    }
    const emit = (): void => deps.events.emit('trace', redactTrace(trace, redact, input.pipeline))
    if (run.pending.length === 0) emit()
    else void Promise.allSettled(run.pending).then(emit)
  }
}

/**
 * The sink with the answer redacted, and the thinking through its own redactor. `flush()` is
 * what both still hold back at the end (a split secret's possible start).
 */
function redacting(
  sink: EngineSink,
  redact: (s: string) => string,
  secrets: readonly string[]
): EngineSink & { flush(): StreamDelta | undefined } {
  const guard = new StreamRedactor(redact, secrets)
  const thoughts = new StreamRedactor(redact, secrets)
  let thoughtField: 'reasoningContent' | 'reasoning' = 'reasoningContent'
  return {
    start: (route, fp) => sink.start(route, fp),
    delta: (d) => {
      if (!d.content && !d.reasoningContent && !d.reasoning) return sink.delta(d)
      const out = { ...d }
      if (d.reasoningContent) out.reasoningContent = thoughts.push(d.reasoningContent)
      if (d.reasoning) {
        thoughtField = 'reasoning'
        out.reasoning = thoughts.push(d.reasoning)
      }
      if (d.content) {
        // The answer follows the thinking: what the thinking held back goes first.
        const held = thoughts.flush()
        if (held) out[thoughtField] = (out[thoughtField] ?? '') + held
        out.content = guard.push(d.content)
      }
      return sink.delta(out)
    },
    flush() {
      const content = guard.flush()
      const held = thoughts.flush()
      if (!content && !held) return undefined
      return { ...(content && { content }), ...(held && { [thoughtField]: held }) }
    }
  }
}

/**
 * Why a cancelled run ended: the canceller's reason when it gave one as an AppError (a stopping
 * server says `shutdown`), otherwise the client went away.
 */
function abortError(reason: unknown, err: unknown): AppError {
  if (reason instanceof AppError) return new AppError(reason.code, reason.message, { cause: err })
  return new AppError('client_closed', 'the client closed the request', { cause: err })
}

/** The trace with every string in it redacted (hop errors, router answers, exchanges). */
function redactTrace(
  trace: Trace,
  redact: (s: string) => string,
  pipeline: CompiledPipeline
): Trace {
  if (pipeline.secretValues.length === 0) return trace
  return redactDeep(trace, redact)
}
