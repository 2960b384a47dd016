/**
 * @module The fake platform's `evals` domain (see `fakeEvals`), for the evaluation store and page
 * tests.
 */
import type { OutputOf } from '../../../shared/contract/routes'
import { parseEvalCases } from '../../../shared/eval/cases'
import { changedCases, type EvalReport } from '../../../shared/eval/score'
import type { Trace } from '../../../shared/trace'
import { FakeError, type FakeHandlers } from './fake-client'

type EvalRunOut = OutputOf<'evals.run_get'>

/** The domain's state: sets as JSONL text, runs in the order started, stored traces by id. */
interface EvalsData {
  sets: Map<string, { text: string; updatedAt: number }>
  runs: EvalRunOut[]
  traces: Map<string, Trace>
  /** The number of the last run started. */
  seq: number
}

/**
 * An in-memory `evals` domain over the same parser main uses: sets as JSONL text, `evals.save`
 * refused with the diagnostics when a line is invalid ("refused (400, with the diagnostics)",
 * contract/evals.ts), `evals.add_case` appending a case from a trace with the route it took or the
 * given one, `evals.run` answering at once with a running run ("returns its id at once") that
 * the test finishes with `finish` (then emits `eval.done` itself).
 */
export function fakeEvals(init: { sets?: Record<string, string>; traces?: Trace[] } = {}) {
  const data: EvalsData = {
    sets: new Map(
      Object.entries(init.sets ?? {}).map(([name, text]) => [name, { text, updatedAt: 1 }])
    ),
    runs: [],
    traces: new Map((init.traces ?? []).map((t) => [t.id, t])),
    seq: 0
  }
  return {
    handlers: { ...setHandlers(data), ...runHandlers(data) } satisfies FakeHandlers,
    sets: data.sets,
    runs: data.runs,
    /** Ends a run with its report(s); returns the `eval.done` payload to emit. */
    finish(id: string, report: EvalReport, againstReport?: EvalReport) {
      return finishRun(data, id, report, againstReport)
    }
  }
}

/** A run as `evals.runs` lists it: without its reports. */
function summary(r: EvalRunOut): OutputOf<'evals.runs'>['runs'][number] {
  const { report: _r, againstReport: _a, changed: _c, ...rest } = r
  return rest
}

/** Stores a set's text, refused with the diagnostics when a line is invalid; returns its cases. */
function saveSet(data: EvalsData, name: string, text: string): number {
  const parsed = parseEvalCases(text)
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error')
  const first = errors[0]
  if (first)
    throw new FakeError('invalid_request', `line ${first.line}:${first.column}: ${first.message}`, {
      diagnostics: parsed.diagnostics
    })
  data.sets.set(name, { text, updatedAt: Date.now() })
  return parsed.cases.length
}

/** The sets' routes: list (with each set's last run), get, save, delete, add a case from a trace. */
function setHandlers(data: EvalsData): FakeHandlers {
  return {
    'evals.list': () => ({
      sets: [...data.sets].map(([name, s]) => {
        const last = data.runs.filter((r) => r.set === name).at(-1)
        return {
          name,
          cases: parseEvalCases(s.text).cases.length,
          updatedAt: s.updatedAt,
          lastRun: last
            ? {
                id: last.id,
                startedAt: last.startedAt,
                accuracy: last.accuracy,
                passed: last.passed ?? 0,
                total: last.total
              }
            : null
        }
      })
    }),
    'evals.get': ({ name }) => {
      const s = data.sets.get(name)
      if (!s) throw new FakeError('not_found', `no evaluation set named "${name}"`)
      return {
        name,
        text: s.text,
        updatedAt: s.updatedAt,
        diagnostics: parseEvalCases(s.text).diagnostics.map((d) => ({ ...d, path: [...d.path] }))
      }
    },
    'evals.save': ({ name, text }) => ({ name, cases: saveSet(data, name, text) }),
    'evals.delete': ({ name }) => ({ deleted: data.sets.delete(name) }),
    'evals.add_case': ({ set, traceId, route }) => {
      const t = data.traces.get(traceId)
      if (!t) throw new FakeError('not_found', `no stored trace with id "${traceId}"`)
      const expected =
        route ?? t.hops.find((h) => h.action === 'route' && h.decision)?.decision ?? t.route[1]
      const id = `${t.pipeline}-${t.id.slice(0, 8)}`
      const user = t.request?.messages?.[0]?.content
      const line = JSON.stringify({ id, input: user, expect: expected ? { route: expected } : {} })
      const old = data.sets.get(set)?.text ?? ''
      const text = `${old}${old && !old.endsWith('\n') ? '\n' : ''}${line}\n`
      const cases = saveSet(data, set, text)
      return { set, id, line: text.split('\n').length - 1, cases }
    }
  }
}

/** The runs' routes: start (answers at once with a running run), cancel, list, get one. */
function runHandlers(data: EvalsData): FakeHandlers {
  return {
    'evals.run': (input) => {
      const text = input.set !== undefined ? data.sets.get(input.set)?.text : input.cases
      if (text === undefined)
        throw new FakeError('not_found', `no evaluation set named "${input.set}"`)
      const run: EvalRunOut = {
        id: `run-${++data.seq}`,
        set: input.set ?? '(inline)',
        target: input.target,
        against: input.against ?? null,
        startedAt: 1_700_000_000_000 + data.seq * 60_000,
        durationMs: null,
        status: 'running',
        error: null,
        total: parseEvalCases(text).cases.length,
        passed: null,
        accuracy: null,
        againstAccuracy: null,
        report: null,
        againstReport: null,
        changed: []
      }
      data.runs.push(run)
      return { id: run.id, total: run.total }
    },
    'evals.cancel': ({ id }) => {
      const r = data.runs.find((x) => x.id === id && x.status === 'running')
      if (r) r.status = 'cancelled'
      return { cancelled: !!r }
    },
    'evals.runs': (input) => ({
      runs: data.runs
        .filter((r) => !input?.set || r.set === input.set)
        .reverse()
        .map(summary)
    }),
    'evals.run_get': ({ id }) => {
      const r = data.runs.find((x) => x.id === id)
      if (!r) throw new FakeError('not_found', `no evaluation run "${id}"`)
      return r
    }
  }
}

/** Ends a run with its report(s); returns the `eval.done` payload to emit. */
function finishRun(
  data: EvalsData,
  id: string,
  report: EvalReport,
  againstReport?: EvalReport
): OutputOf<'evals.runs'>['runs'][number] {
  const r = data.runs.find((x) => x.id === id)
  if (!r) throw new Error(`no run ${id}`)
  Object.assign(r, {
    status: 'done',
    durationMs: 1200,
    passed: report.passed,
    accuracy: report.routing.accuracy,
    againstAccuracy: againstReport?.routing.accuracy ?? null,
    report,
    againstReport: againstReport ?? null,
    changed: againstReport ? changedCases(report, againstReport) : []
  })
  return summary(r)
}
