/**
 * @module Runs evaluation cases through a pipeline with the engine itself (the same runs, traces
 * and routing as `/v1`), a bounded number at a time, and scores them into a report.
 */
import { randomUUID } from 'node:crypto'
import { type EvalCase, caseMessages } from '../../../shared/eval/cases'
import {
  type CaseOutcome,
  type CaseResult,
  type EvalReport,
  type JsonValidator,
  routeClasses,
  scoreCase,
  summarise
} from '../../../shared/eval/score'
import type { Trace } from '../../../shared/trace'
import { Cancellation, type CancelSignal } from '../cancel'
import { type EngineDeps, runPipeline } from '../engine/engine'
import type { CompiledPipeline } from '../engine/pipeline'
import { AppError } from '../errors'

/** Answers one case; never throws for a failed request (that is an outcome). */
export type CaseRunner = (c: EvalCase, signal: CancelSignal) => Promise<CaseOutcome>

export interface EvalProgress {
  done: number
  total: number
  passed: number
  last: CaseResult
}

export interface RunEvalOptions {
  concurrency?: number
  validateJson?: JsonValidator
  onProgress?: (p: EvalProgress) => void
  signal?: CancelSignal
}

/** Runs every case (at most `concurrency` at once) and returns the report, in case order. */
export async function runEval(
  pipeline: string,
  cases: readonly EvalCase[],
  runCase: CaseRunner,
  options: RunEvalOptions = {}
): Promise<EvalReport> {
  const started = Date.now()
  const classes = routeClasses(cases)
  const results: CaseResult[] = new Array(cases.length)
  const outcomes: CaseOutcome[] = new Array(cases.length)
  const signal = options.signal ?? new Cancellation()
  let next = 0
  let done = 0
  let passed = 0
  const worker = async (): Promise<void> => {
    while (next < cases.length && !signal.aborted) {
      const index = next++
      const c = cases[index] as EvalCase
      const outcome = await runCase(c, signal)
      const result = scoreCase(c, outcome, classes, options.validateJson)
      outcomes[index] = outcome
      results[index] = result
      done++
      if (result.passed) passed++
      options.onProgress?.({ done, total: cases.length, passed, last: result })
    }
  }
  const width = Math.max(1, Math.min(options.concurrency ?? 4, cases.length))
  await Promise.all(Array.from({ length: width }, worker))
  if (signal.aborted) throw new AppError('client_closed', 'the evaluation was cancelled')
  const report = summarise(pipeline, results, outcomes)
  report.startedAt = started
  report.durationMs = Date.now() - started
  return report
}

/** What a trace says about a case: the route, the routing decisions, tokens per hop. */
export function outcomeFromTrace(trace: Trace, answer: string | undefined): CaseOutcome {
  const outcome: CaseOutcome = {
    route: trace.route,
    decisions: trace.hops.flatMap((h) => (h.action === 'route' && h.decision ? [h.decision] : [])),
    durationMs: trace.durationMs,
    hops: trace.hops.map((h) => (h.tokens ? { node: h.node, tokens: h.tokens } : { node: h.node })),
    traceId: trace.id
  }
  if (answer !== undefined) outcome.answer = answer
  if (trace.error) outcome.error = trace.error
  return outcome
}

/**
 * A case runner over the engine: each case is one non-streamed request to `pipeline`, with its
 * trace, exactly as a client's request to `/v1/chat/completions` would run.
 */
export function engineCaseRunner(deps: EngineDeps, pipeline: CompiledPipeline): CaseRunner {
  return async (c, outer) => {
    const requestId = `eval-${randomUUID()}`
    const signal = new Cancellation()
    const stop = (): void => signal.abort(outer.reason)
    outer.addEventListener('abort', stop)
    let failedTrace: Trace | undefined
    const off = deps.events.on('trace', (t) => {
      if (t.id === requestId) failedTrace = t
    })
    const started = Date.now()
    let answer = ''
    try {
      const result = await runPipeline(
        deps,
        {
          pipeline,
          request: { model: pipeline.id, messages: caseMessages(c), stream: false },
          requestId,
          headers: { 'user-agent': 'llmnet-eval' },
          signal,
          stream: false,
          app: 'llmnet eval'
        },
        {
          start() {},
          delta(d) {
            if (d.content) answer += d.content
          }
        }
      )
      return outcomeFromTrace(result.trace, answer)
    } catch (err) {
      const e = AppError.from(err)
      const route = failedTrace?.route ?? []
      return {
        route,
        durationMs: failedTrace?.durationMs ?? Date.now() - started,
        error: { code: e.code, message: e.message },
        ...(failedTrace && { traceId: failedTrace.id })
      }
    } finally {
      off()
      outer.removeEventListener('abort', stop)
    }
  }
}
