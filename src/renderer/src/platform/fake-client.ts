/**
 * @module An in-memory `Platform` for store tests: handlers per route (a missing one answers
 * "unknown route" like main), a call log, and `emit` to push events; `fakeEvals` for the
 * `evals` domain.
 */
import type { ControlError, Envelope } from '../../../shared/contract/errors'
import type { EventName, EventPayload } from '../../../shared/contract/events'
import type { InputOf, OutputOf, RouteName } from '../../../shared/contract/routes'
import type { Platform } from './client'
import { parseEvalCases } from '../../../shared/eval/cases'
import { changedCases, type EvalReport } from '../../../shared/eval/score'
import type { Trace } from '../../../shared/trace'

type EvalRunOut = OutputOf<'evals.run_get'>

/** A route's fake handler: its output, or throw a `FakeError` to answer an error envelope. */
export type FakeHandlers = {
  [R in RouteName]?: (input: InputOf<R>) => OutputOf<R> | Promise<OutputOf<R>>
} & Record<string, ((input: never) => unknown) | undefined>

/** Thrown by a fake handler to answer `{ok:false, error}`. */
export class FakeError extends Error {
  constructor(
    readonly code: ControlError['code'],
    message: string,
    readonly details?: Record<string, unknown>
  ) {
    super(message)
  }
}

export interface FakePlatform extends Platform {
  calls: { route: string; input: unknown }[]
  handlers: FakeHandlers
  /** What `loadStatic` answers, by path. */
  statics: Record<string, unknown>
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void
  /** How many listeners an event has (to check that stores unsubscribe). */
  listenerCount(event: EventName): number
}

/** A fake platform answering from `handlers`; inputs are passed through as given. */
export function createFakePlatform(handlers: FakeHandlers = {}): FakePlatform {
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const calls: FakePlatform['calls'] = []
  const requestUnknown = async (route: string, input?: unknown): Promise<Envelope<unknown>> => {
    calls.push({ route, input })
    const handler = fake.handlers[route] as ((i: unknown) => unknown) | undefined
    if (!handler)
      return { ok: false, error: { code: 'not_found', message: `unknown route "${route}"` } }
    try {
      return { ok: true, data: await handler(input ?? {}) }
    } catch (err) {
      if (err instanceof FakeError)
        return { ok: false, error: { code: err.code, message: err.message, details: err.details } }
      return { ok: false, error: { code: 'internal_error', message: (err as Error).message } }
    }
  }
  const fake: FakePlatform = {
    kind: 'fake',
    calls,
    handlers,
    requestUnknown,
    statics: {},
    loadStatic: async (path) => fake.statics[path] ?? null,
    request: ((route: string, input?: unknown) =>
      requestUnknown(route, input)) as Platform['request'],
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      const entry = listener as (p: unknown) => void
      set.add(entry)
      return () => set.delete(entry)
    },
    emit(event, payload) {
      for (const l of [...(listeners.get(event) ?? [])]) l(payload)
    },
    listenerCount: (event) => listeners.get(event)?.size ?? 0
  }
  return fake
}

/**
 * An in-memory `evals` domain over the same parser main uses: sets as JSONL text, `evals.save`
 * refused with the diagnostics when a line is invalid ("refused (400, with the diagnostics)",
 * contract/evals.ts), `evals.add_case` appending a case from a trace with the route it took or the
 * given one, `evals.run` answering at once with a running run ("returns its id at once") that
 * the test finishes with `finish` (then emits `eval.done` itself).
 */
export function fakeEvals(init: { sets?: Record<string, string>; traces?: Trace[] } = {}) {
  const sets = new Map<string, { text: string; updatedAt: number }>(
    Object.entries(init.sets ?? {}).map(([name, text]) => [name, { text, updatedAt: 1 }])
  )
  const runs: EvalRunOut[] = []
  const traces = new Map((init.traces ?? []).map((t) => [t.id, t]))
  let seq = 0
  const summary = (r: EvalRunOut): OutputOf<'evals.runs'>['runs'][number] => {
    const { report: _r, againstReport: _a, changed: _c, ...rest } = r
    return rest
  }
  const save = (name: string, text: string): number => {
    const parsed = parseEvalCases(text)
    const errors = parsed.diagnostics.filter((d) => d.severity === 'error')
    const first = errors[0]
    if (first)
      throw new FakeError(
        'invalid_request',
        `line ${first.line}:${first.column}: ${first.message}`,
        { diagnostics: parsed.diagnostics }
      )
    sets.set(name, { text, updatedAt: Date.now() })
    return parsed.cases.length
  }
  const handlers: FakeHandlers = {
    'evals.list': () => ({
      sets: [...sets].map(([name, s]) => {
        const last = runs.filter((r) => r.set === name).at(-1)
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
      const s = sets.get(name)
      if (!s) throw new FakeError('not_found', `no evaluation set named "${name}"`)
      return {
        name,
        text: s.text,
        updatedAt: s.updatedAt,
        diagnostics: parseEvalCases(s.text).diagnostics.map((d) => ({ ...d, path: [...d.path] }))
      }
    },
    'evals.save': ({ name, text }) => ({ name, cases: save(name, text) }),
    'evals.delete': ({ name }) => ({ deleted: sets.delete(name) }),
    'evals.add_case': ({ set, traceId, route }) => {
      const t = traces.get(traceId)
      if (!t) throw new FakeError('not_found', `no stored trace with id "${traceId}"`)
      const expected =
        route ?? t.hops.find((h) => h.action === 'route' && h.decision)?.decision ?? t.route[1]
      const id = `${t.pipeline}-${t.id.slice(0, 8)}`
      const user = t.request?.messages?.[0]?.content
      const line = JSON.stringify({ id, input: user, expect: expected ? { route: expected } : {} })
      const old = sets.get(set)?.text ?? ''
      const text = `${old}${old && !old.endsWith('\n') ? '\n' : ''}${line}\n`
      const cases = save(set, text)
      return { set, id, line: text.split('\n').length - 1, cases }
    },
    'evals.run': (input) => {
      const text = input.set !== undefined ? sets.get(input.set)?.text : input.cases
      if (text === undefined)
        throw new FakeError('not_found', `no evaluation set named "${input.set}"`)
      const run: EvalRunOut = {
        id: `run-${++seq}`,
        set: input.set ?? '(inline)',
        target: input.target,
        against: input.against ?? null,
        startedAt: 1_700_000_000_000 + seq * 60_000,
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
      runs.push(run)
      return { id: run.id, total: run.total }
    },
    'evals.cancel': ({ id }) => {
      const r = runs.find((x) => x.id === id && x.status === 'running')
      if (r) r.status = 'cancelled'
      return { cancelled: !!r }
    },
    'evals.runs': (input) => ({
      runs: runs
        .filter((r) => !input?.set || r.set === input.set)
        .reverse()
        .map(summary)
    }),
    'evals.run_get': ({ id }) => {
      const r = runs.find((x) => x.id === id)
      if (!r) throw new FakeError('not_found', `no evaluation run "${id}"`)
      return r
    }
  }
  return {
    handlers,
    sets,
    runs,
    /** Ends a run with its report(s); returns the `eval.done` payload to emit. */
    finish(id: string, report: EvalReport, againstReport?: EvalReport) {
      const r = runs.find((x) => x.id === id)
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
  }
}
