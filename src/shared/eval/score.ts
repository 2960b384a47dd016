/**
 * @module Scoring an evaluation run: each case's checks against what the pipeline did (its route
 * and answer), then the report: pass/fail, routing accuracy, the confusion matrix of expected
 * against actual route with per-route precision and recall, checks per kind, latency percentiles
 * and token sums. Pure, so the CLI, the app and the tests compute the same numbers.
 */
import { z } from 'zod'
import { CHECK_KINDS, type CheckKind, type EvalCase } from './cases'

/** What running one case produced. */
export interface CaseOutcome {
  /** The answer's text; absent when the request failed. */
  answer?: string
  /** The nodes the request passed through, in order (the trace's `route`). */
  route: string[]
  /** Each routing decision, in order (the trace's `route` hops' `decision`). */
  decisions?: string[]
  durationMs: number
  error?: { code: string; message: string }
  /** Per hop: the node and its tokens (the trace's hops). */
  hops?: { node: string; tokens?: TokenCounts }[]
  traceId?: string
}

export const TokenCountsSchema = z.object({
  evaluated: z.number(),
  cached: z.number(),
  generated: z.number()
})
export type TokenCounts = z.infer<typeof TokenCountsSchema>

export const CheckResultSchema = z.object({
  kind: z.enum(CHECK_KINDS),
  passed: z.boolean(),
  /** Why it failed (or what was seen), for people. */
  detail: z.string().optional()
})
export type CheckResult = z.infer<typeof CheckResultSchema>

/** Labels used when a request took no labelled route. */
export const NO_ROUTE = '(none)'
export const FAILED_ROUTE = '(error)'

export const CaseResultSchema = z.object({
  id: z.string(),
  line: z.number().optional(),
  passed: z.boolean(),
  checks: z.array(CheckResultSchema),
  /** Expected route label (when the case expects one) and the label of the route taken. */
  expectedRoute: z.string().optional(),
  actualRoute: z.string().optional(),
  route: z.array(z.string()),
  durationMs: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  answer: z.string().optional(),
  traceId: z.string().optional()
})
export type CaseResult = z.infer<typeof CaseResultSchema>

const RateSchema = z.number().nullable()
const LatencySchema = z.object({
  count: z.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable()
})

export const EvalReportSchema = z.object({
  pipeline: z.string(),
  /** Number of cases, passed (every check held) and failed. */
  total: z.number(),
  passed: z.number(),
  failed: z.number(),
  /** Cases whose request failed (they count as failed). */
  errors: z.number(),
  routing: z.object({
    /** Cases that expect a route. */
    cases: z.number(),
    correct: z.number(),
    /** correct / cases; `null` when no case expects a route. */
    accuracy: RateSchema,
    /** `{expected: {actual: count}}`. */
    confusion: z.record(z.string(), z.record(z.string(), z.number())),
    perRoute: z.record(
      z.string(),
      z.object({
        support: z.number(),
        predicted: z.number(),
        correct: z.number(),
        precision: RateSchema,
        recall: RateSchema
      })
    )
  }),
  checks: z.record(z.string(), z.object({ passed: z.number(), failed: z.number() })),
  latency: z.object({ overall: LatencySchema, byRoute: z.record(z.string(), LatencySchema) }),
  tokens: z.object({ total: TokenCountsSchema, byNode: z.record(z.string(), TokenCountsSchema) }),
  cases: z.array(CaseResultSchema),
  startedAt: z.number().optional(),
  durationMs: z.number().optional()
})
export type EvalReport = z.infer<typeof EvalReportSchema>

/** Checks a parsed answer against a JSON Schema; the reason it fails, or `undefined`. */
export type JsonValidator = (schema: Record<string, unknown>, value: unknown) => string | undefined

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v]

/** The route labels a set of cases expects: the classes of its confusion matrix. */
export function routeClasses(cases: readonly Pick<EvalCase, 'expect'>[]): Set<string> {
  const out = new Set<string>()
  for (const c of cases) for (const r of list(c.expect.route)) out.add(r)
  return out
}

/** Scores one case. `classes` are the route labels of the whole set ({@link routeClasses}). */
export function scoreCase(
  c: EvalCase,
  outcome: CaseOutcome,
  classes: ReadonlySet<string>,
  validateJson?: JsonValidator
): CaseResult {
  const checks: CheckResult[] = []
  const add = (kind: CheckKind, passed: boolean, detail?: string): void => {
    checks.push(detail === undefined ? { kind, passed } : { kind, passed, detail })
  }
  const e = c.expect
  const failed = outcome.error !== undefined
  const answer = outcome.answer ?? ''
  let expectedRoute: string | undefined
  let actualRoute: string | undefined
  const wanted = list(e.route)
  if (wanted.length > 0) {
    const hit = wanted.find((r) => outcome.route.includes(r))
    expectedRoute = hit ?? wanted[0]
    actualRoute = failed
      ? FAILED_ROUTE
      : (hit ??
        outcome.route.slice(1).find((n) => classes.has(n)) ??
        outcome.decisions?.[0] ??
        NO_ROUTE)
    add(
      'route',
      hit !== undefined && !failed,
      hit !== undefined && !failed
        ? undefined
        : `expected ${wanted.join(' or ')}, took ${outcome.route.join(' → ') || 'no route'}`
    )
  }
  const why = failed ? `request failed: ${outcome.error?.message}` : undefined
  for (const s of list(e.contains))
    add(
      'contains',
      !failed && answer.includes(s),
      why ?? (answer.includes(s) ? undefined : `no "${s}" in the answer`)
    )
  for (const s of list(e.icontains)) {
    const ok = answer.toLowerCase().includes(s.toLowerCase())
    add('icontains', !failed && ok, why ?? (ok ? undefined : `no "${s}" (any case) in the answer`))
  }
  for (const s of list(e.not_contains)) {
    const ok = !answer.includes(s)
    add('not_contains', !failed && ok, why ?? (ok ? undefined : `the answer contains "${s}"`))
  }
  if (e.matches !== undefined) {
    const ok = new RegExp(e.matches).test(answer)
    add(
      'matches',
      !failed && ok,
      why ?? (ok ? undefined : `the answer does not match /${e.matches}/`)
    )
  }
  if (e.equals !== undefined) {
    const ok = answer.trim() === e.equals.trim()
    add('equals', !failed && ok, why ?? (ok ? undefined : 'the answer differs'))
  }
  if (e.json_schema !== undefined && e.json_schema !== false) {
    add('json_schema', ...jsonCheck(answer, failed, why, e.json_schema, validateJson))
  }
  if (e.max_ms !== undefined) {
    const ok = outcome.durationMs <= e.max_ms
    add(
      'max_ms',
      ok && !failed,
      why ?? (ok ? undefined : `took ${Math.round(outcome.durationMs)} ms, over ${e.max_ms} ms`)
    )
  }
  const result: CaseResult = {
    id: c.id,
    line: c.line,
    passed: !failed && checks.every((k) => k.passed),
    checks,
    route: outcome.route,
    durationMs: outcome.durationMs
  }
  if (expectedRoute !== undefined) result.expectedRoute = expectedRoute
  if (actualRoute !== undefined) result.actualRoute = actualRoute
  if (outcome.error) result.error = outcome.error
  if (outcome.answer !== undefined) result.answer = outcome.answer
  if (outcome.traceId !== undefined) result.traceId = outcome.traceId
  return result
}

function jsonCheck(
  answer: string,
  failed: boolean,
  why: string | undefined,
  schema: Record<string, unknown> | true,
  validateJson: JsonValidator | undefined
): [boolean, string?] {
  if (failed) return [false, why]
  let value: unknown
  try {
    value = JSON.parse(answer)
  } catch {
    return [false, 'the answer is not JSON']
  }
  if (schema === true) return [true]
  if (!validateJson) return [false, 'no JSON Schema validator is available here']
  const problem = validateJson(schema, value)
  return problem === undefined ? [true] : [false, problem]
}

/** The nearest-rank percentile of sorted values; `null` for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(sorted.length, rank) - 1] ?? null
}

function latency(values: number[]): EvalReport['latency']['overall'] {
  const sorted = [...values].sort((a, b) => a - b)
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95) }
}

const rate = (n: number, d: number): number | null => (d === 0 ? null : n / d)

/** The report for a run: `results` in case order, `outcomes` for their token counts. */
export function summarise(
  pipeline: string,
  results: readonly CaseResult[],
  outcomes: readonly CaseOutcome[] = []
): EvalReport {
  const confusion: Record<string, Record<string, number>> = {}
  const perRoute: EvalReport['routing']['perRoute'] = {}
  const stat = (n: string): EvalReport['routing']['perRoute'][string] =>
    (perRoute[n] ??= { support: 0, predicted: 0, correct: 0, precision: null, recall: null })
  const checks: EvalReport['checks'] = {}
  const byRoute = new Map<string, number[]>()
  let routed = 0
  let correct = 0
  for (const r of results) {
    for (const k of r.checks) {
      const slot = (checks[k.kind] ??= { passed: 0, failed: 0 })
      if (k.passed) slot.passed++
      else slot.failed++
    }
    const label = r.actualRoute ?? r.route[1] ?? r.route[0] ?? NO_ROUTE
    const times = byRoute.get(label) ?? []
    times.push(r.durationMs)
    byRoute.set(label, times)
    if (r.expectedRoute === undefined || r.actualRoute === undefined) continue
    routed++
    const row = (confusion[r.expectedRoute] ??= {})
    row[r.actualRoute] = (row[r.actualRoute] ?? 0) + 1
    stat(r.expectedRoute).support++
    stat(r.actualRoute).predicted++
    if (r.expectedRoute === r.actualRoute) {
      correct++
      stat(r.expectedRoute).correct++
    }
  }
  for (const s of Object.values(perRoute)) {
    s.precision = rate(s.correct, s.predicted)
    s.recall = rate(s.correct, s.support)
  }
  const total: TokenCounts = { evaluated: 0, cached: 0, generated: 0 }
  const byNode: Record<string, TokenCounts> = {}
  for (const o of outcomes) {
    for (const hop of o.hops ?? []) {
      if (!hop.tokens) continue
      const n = (byNode[hop.node] ??= { evaluated: 0, cached: 0, generated: 0 })
      for (const k of ['evaluated', 'cached', 'generated'] as const) {
        n[k] += hop.tokens[k]
        total[k] += hop.tokens[k]
      }
    }
  }
  const passed = results.filter((r) => r.passed).length
  return {
    pipeline,
    total: results.length,
    passed,
    failed: results.length - passed,
    errors: results.filter((r) => r.error !== undefined).length,
    routing: { cases: routed, correct, accuracy: rate(correct, routed), confusion, perRoute },
    checks,
    latency: {
      overall: latency(results.map((r) => r.durationMs)),
      byRoute: Object.fromEntries([...byRoute].map(([k, v]) => [k, latency(v)]))
    },
    tokens: { total, byNode },
    cases: [...results]
  }
}

/** Whether a report passes a gate: every check held and accuracy at least `minAccuracy`. */
export function reportPasses(report: EvalReport, minAccuracy?: number): boolean {
  if (report.failed > 0) return false
  if (minAccuracy === undefined || report.routing.accuracy === null) return true
  return report.routing.accuracy >= minAccuracy
}

export interface CaseChange {
  id: string
  before: Pick<CaseResult, 'passed' | 'actualRoute'>
  after: Pick<CaseResult, 'passed' | 'actualRoute'>
}

/** The cases whose outcome (passed, or the route taken) differs between two runs of one set. */
export function changedCases(before: EvalReport, after: EvalReport): CaseChange[] {
  const old = new Map(before.cases.map((c) => [c.id, c]))
  const out: CaseChange[] = []
  for (const c of after.cases) {
    const b = old.get(c.id)
    if (!b || (b.passed === c.passed && b.actualRoute === c.actualRoute)) continue
    out.push({
      id: c.id,
      before: { passed: b.passed, actualRoute: b.actualRoute },
      after: { passed: c.passed, actualRoute: c.actualRoute }
    })
  }
  return out
}
