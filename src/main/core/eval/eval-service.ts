/**
 * @module Evaluation sets and runs in the app and `llmnet serve`: sets stored as JSONL text, cases
 * added from stored traces, runs against a served pipeline or a stored version (or two side by
 * side) in the background with progress events, and their reports kept in SQLite.
 */
import { randomUUID } from 'node:crypto'
import { type EvalCase, formatEvalCase, parseEvalCases } from '../../../shared/eval/cases'
import { type EvalReport, type JsonValidator, changedCases } from '../../../shared/eval/score'
import type { Trace } from '../../../shared/trace'
import { Cancellation } from '../cancel'
import type { EngineDeps } from '../engine/engine'
import type { CompiledPipeline } from '../engine/pipeline'
import { AppError, ControlFailure } from '../errors'
import type { EvalRepository, EvalTargetRef, StoredEvalRun } from '../storage/eval-repository'
import { engineCaseRunner, runEval } from './run-eval'

export interface EvalServiceDeps {
  repo: EvalRepository
  engine: EngineDeps
  /** A stored trace by id. */
  trace(id: string): Trace | undefined
  /** A served pipeline by name. */
  served(name: string): CompiledPipeline | undefined
  /** A stored version's text, compiled without serving it. */
  version(name: string, version: number): Promise<CompiledPipeline>
  validateJson?: JsonValidator
  emitProgress(p: { id: string; done: number; total: number; passed: number }): void
  emitDone(run: StoredEvalRun): void
}

/** A trace's request as a case: its messages, and the node it was routed to as the expected route. */
export function caseFromTrace(
  trace: Trace,
  route?: string,
  id?: string
): Omit<EvalCase, 'line' | 'id'> & { id?: string } {
  const messages = trace.request?.messages
  if (!messages || messages.length === 0) {
    throw new AppError(
      'invalid_request',
      `trace "${trace.id}" has no stored request to make a case of`
    )
  }
  const routed =
    route ?? trace.hops.find((h) => h.action === 'route' && h.decision)?.decision ?? trace.route[1]
  const lastUser =
    messages.length === 1 && messages[0]?.role === 'user' && typeof messages[0].content === 'string'
  return {
    ...(id !== undefined && { id }),
    ...(lastUser ? { input: messages[0]?.content as string } : { messages }),
    expect: routed ? { route: routed } : {}
  }
}

export class EvalService {
  private readonly running = new Map<string, Cancellation>()

  constructor(private readonly deps: EvalServiceDeps) {}

  listSets(): ReturnType<EvalRepository['listSets']> {
    return this.deps.repo.listSets()
  }

  getSet(name: string): {
    name: string
    text: string
    updatedAt: number
    diagnostics: ReturnType<typeof parseEvalCases>['diagnostics']
  } {
    const set = this.deps.repo.getSet(name)
    if (!set) throw new AppError('not_found', `no evaluation set named "${name}"`)
    return {
      name,
      text: set.text,
      updatedAt: set.updatedAt,
      diagnostics: parseEvalCases(set.text).diagnostics
    }
  }

  /** Saves a set; refused with every diagnostic when a line is invalid (nothing stored changes). */
  saveSet(name: string, text: string): { name: string; cases: number } {
    const { cases, diagnostics } = parseEvalCases(text)
    const errors = diagnostics.filter((d) => d.severity === 'error')
    if (errors.length > 0) {
      const first = errors[0]
      throw new ControlFailure(
        'invalid_request',
        `line ${first?.line}:${first?.column}: ${first?.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
        { diagnostics }
      )
    }
    this.deps.repo.saveSet(name, text, cases.length)
    return { name, cases: cases.length }
  }

  deleteSet(name: string): boolean {
    return this.deps.repo.deleteSet(name)
  }

  /** Appends a case made from a stored trace (creating the set when it does not exist). */
  addCase(
    set: string,
    traceId: string,
    route?: string,
    id?: string
  ): { set: string; id: string; line: number; cases: number } {
    const trace = this.deps.trace(traceId)
    if (!trace) throw new AppError('not_found', `no stored trace with id "${traceId}"`)
    const existing = this.deps.repo.getSet(set)?.text ?? ''
    const parsed = parseEvalCases(existing)
    const taken = new Set(parsed.cases.map((c) => c.id))
    let caseId = id ?? `${trace.pipeline}-${trace.id.slice(0, 8)}`
    if (taken.has(caseId)) {
      if (id !== undefined)
        throw new AppError('conflict', `set "${set}" already has a case "${id}"`)
      let n = 2
      while (taken.has(`${caseId}-${n}`)) n++
      caseId = `${caseId}-${n}`
    }
    const line = formatEvalCase(caseFromTrace(trace, route, caseId))
    const base = existing === '' || existing.endsWith('\n') ? existing : `${existing}\n`
    const text = `${base}${line}\n`
    const saved = this.saveSet(set, text)
    return { set, id: caseId, line: text.split('\n').length - 1, cases: saved.cases }
  }

  /** Starts a run in the background; progress and the end arrive as events. */
  async startRun(input: {
    set?: string
    cases?: string
    target: EvalTargetRef
    against?: EvalTargetRef
    concurrency: number
  }): Promise<{ id: string; total: number }> {
    const text = input.set !== undefined ? this.getSet(input.set).text : (input.cases ?? '')
    const parsed = parseEvalCases(text)
    const errors = parsed.diagnostics.filter((d) => d.severity === 'error')
    if (errors.length > 0) {
      throw new ControlFailure(
        'invalid_request',
        `the cases are invalid: line ${errors[0]?.line}: ${errors[0]?.message}`,
        {
          diagnostics: parsed.diagnostics
        }
      )
    }
    // Resolve both targets before the run starts, so a wrong name is this call's error.
    const first = await this.resolve(input.target)
    const second = input.against ? await this.resolve(input.against) : undefined
    const id = randomUUID()
    const total = parsed.cases.length * (second ? 2 : 1)
    this.deps.repo.startRun({
      id,
      set: input.set ?? '(inline)',
      target: input.target,
      against: input.against ?? null,
      total: parsed.cases.length
    })
    const cancel = new Cancellation()
    this.running.set(id, cancel)
    void this.execute(id, parsed.cases, first, second, input.concurrency, cancel, total)
    return { id, total: parsed.cases.length }
  }

  cancel(id: string): boolean {
    const run = this.running.get(id)
    if (!run) return false
    run.abort(new AppError('client_closed', 'the evaluation was cancelled'))
    return true
  }

  /** Cancels every run in flight (the app is stopping). */
  cancelAll(): void {
    for (const id of [...this.running.keys()]) this.cancel(id)
  }

  listRuns(set: string | undefined, limit: number): StoredEvalRun[] {
    return this.deps.repo.listRuns(set, limit)
  }

  getRun(id: string): StoredEvalRun & { changed: ReturnType<typeof changedCases> } {
    const run = this.deps.repo.getRun(id)
    if (!run) throw new AppError('not_found', `no evaluation run with id "${id}"`)
    const changed =
      run.report && run.againstReport ? changedCases(run.report, run.againstReport) : []
    return { ...run, changed }
  }

  /** Waits for every run in flight (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 10))
  }

  private async resolve(t: EvalTargetRef): Promise<CompiledPipeline> {
    if (t.version !== undefined) return this.deps.version(t.pipeline, t.version)
    const p = this.deps.served(t.pipeline)
    if (!p) throw new AppError('not_found', `no pipeline named "${t.pipeline}" is served`)
    return p
  }

  private async execute(
    id: string,
    cases: EvalCase[],
    first: CompiledPipeline,
    second: CompiledPipeline | undefined,
    concurrency: number,
    signal: Cancellation,
    total: number
  ): Promise<void> {
    let base = 0
    const one = async (p: CompiledPipeline): Promise<EvalReport> => {
      const report = await runEval(p.id, cases, engineCaseRunner(this.deps.engine, p), {
        concurrency,
        signal,
        validateJson: this.deps.validateJson,
        onProgress: (progress) =>
          this.deps.emitProgress({ id, done: base + progress.done, total, passed: progress.passed })
      })
      base += cases.length
      return report
    }
    let end: Parameters<EvalRepository['finishRun']>[1]
    try {
      const report = await one(first)
      const againstReport = second ? await one(second) : undefined
      end = { status: 'done', report, ...(againstReport && { againstReport }) }
    } catch (err) {
      const e = AppError.from(err)
      end = signal.aborted
        ? { status: 'cancelled', error: e.message }
        : { status: 'failed', error: e.message }
    } finally {
      this.running.delete(id)
    }
    const finished = this.deps.repo.finishRun(id, end)
    if (finished) this.deps.emitDone(finished)
  }
}

/** `name@vN` → `{pipeline, version}`; a plain name has no version. */
export function parseTargetRef(ref: string): EvalTargetRef {
  const m = /^(.+)@v([1-9][0-9]*)$/.exec(ref)
  return m ? { pipeline: m[1] as string, version: Number(m[2]) } : { pipeline: ref }
}
