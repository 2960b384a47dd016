import { describe, expect, it } from 'vitest'
import { parseEvalCases } from './cases'
import {
  type CaseOutcome,
  changedCases,
  percentile,
  reportPasses,
  routeClasses,
  scoreCase,
  summarise
} from './score'

/** Six routed cases: billing ×3, tech ×2, general ×1 expected. */
const CASES = parseEvalCases(
  [
    '{"id":"b1","input":"x","expect":{"route":"billing"}}',
    '{"id":"b2","input":"x","expect":{"route":"billing"}}',
    '{"id":"b3","input":"x","expect":{"route":"billing","contains":"refund"}}',
    '{"id":"t1","input":"x","expect":{"route":"tech"}}',
    '{"id":"t2","input":"x","expect":{"route":"tech"}}',
    '{"id":"g1","input":"x","expect":{"route":"general"}}',
    '{"id":"n1","input":"x","expect":{"not_contains":"error","max_ms":100}}'
  ].join('\n')
).cases

const via = (node: string, ms: number, answer = 'ok'): CaseOutcome => ({
  route: ['router', node, 'out'],
  decisions: [node],
  durationMs: ms,
  answer,
  hops: [
    { node: 'router', tokens: { evaluated: 10, cached: 90, generated: 1 } },
    { node, tokens: { evaluated: 5, cached: 0, generated: 20 } }
  ]
})

const OUTCOMES: CaseOutcome[] = [
  via('billing', 10, 'a refund'), // b1 correct
  via('tech', 20), // b2 → tech
  via('billing', 30, 'no luck'), // b3 correct route, contains fails
  via('tech', 40), // t1 correct
  via('billing', 50), // t2 → billing
  { route: [], durationMs: 60, error: { code: 'upstream_error', message: 'boom' } }, // g1 failed
  via('general', 200, 'error!') // n1: not_contains and max_ms fail
]

describe('scoring an evaluation run', () => {
  const classes = routeClasses(CASES)
  const results = CASES.map((c, i) => scoreCase(c, OUTCOMES[i] as CaseOutcome, classes))
  const report = summarise('support', results, OUTCOMES)

  it('computes the confusion matrix and accuracy by hand (fails if a case is counted in the wrong cell)', () => {
    expect(report.routing.confusion).toEqual({
      billing: { billing: 2, tech: 1 },
      tech: { tech: 1, billing: 1 },
      general: { '(error)': 1 }
    })
    expect(report.routing.cases).toBe(6)
    expect(report.routing.correct).toBe(3)
    expect(report.routing.accuracy).toBeCloseTo(0.5)
  })

  it('per-route precision and recall follow from the matrix', () => {
    // billing: predicted 3 (b1, b3, t2), correct 2, support 3
    expect(report.routing.perRoute.billing).toEqual({
      support: 3,
      predicted: 3,
      correct: 2,
      precision: 2 / 3,
      recall: 2 / 3
    })
    // tech: predicted 2 (b2, t1), correct 1, support 2
    expect(report.routing.perRoute.tech).toEqual({
      support: 2,
      predicted: 2,
      correct: 1,
      precision: 0.5,
      recall: 0.5
    })
    // general: nothing predicted, precision undefined
    expect(report.routing.perRoute.general).toEqual({
      support: 1,
      predicted: 0,
      correct: 0,
      precision: null,
      recall: 0
    })
  })

  it('counts cases, checks per kind, failures and why', () => {
    expect([report.total, report.passed, report.failed, report.errors]).toEqual([7, 2, 5, 1])
    expect(report.checks).toEqual({
      route: { passed: 3, failed: 3 },
      contains: { passed: 0, failed: 1 },
      not_contains: { passed: 0, failed: 1 },
      max_ms: { passed: 0, failed: 1 }
    })
    expect(results[2]?.checks.find((k) => k.kind === 'contains')?.detail).toContain('refund')
    expect(results[1]?.checks[0]?.detail).toContain('router → tech → out')
    expect(results[6]?.checks.find((k) => k.kind === 'max_ms')?.detail).toContain('over 100 ms')
  })

  it('latency percentiles overall and per route taken; tokens summed per node', () => {
    expect(report.latency.overall).toEqual({ count: 7, p50: 40, p95: 200 })
    expect(report.latency.byRoute.billing).toEqual({ count: 3, p50: 30, p95: 50 })
    expect(report.tokens.byNode.router).toEqual({ evaluated: 60, cached: 540, generated: 6 })
    expect(report.tokens.total).toEqual({ evaluated: 90, cached: 540, generated: 126 })
  })

  it('gates: fails on any failed check, or on accuracy below the minimum', () => {
    expect(reportPasses(report)).toBe(false)
    const allGood = summarise('p', [results[0]!, results[3]!])
    expect(reportPasses(allGood, 1)).toBe(true)
    expect(reportPasses({ ...allGood, routing: { ...allGood.routing, accuracy: 0.5 } }, 0.9)).toBe(
      false
    )
  })

  it('a list of acceptable routes passes when any is taken; a deeper class on the route is the actual label', () => {
    const [c] = parseEvalCases('{"input":"x","expect":{"route":["refunds","billing"]}}').cases
    const r = scoreCase(c!, via('billing', 1), new Set(['refunds', 'billing']))
    expect([r.passed, r.expectedRoute, r.actualRoute]).toEqual([true, 'billing', 'billing'])
    const deep = scoreCase(
      c!,
      {
        route: ['router', 'tech', 'refine', 'out'],
        decisions: ['tech', 'refine'],
        durationMs: 1,
        answer: ''
      },
      new Set(['refunds', 'billing', 'refine'])
    )
    expect(deep.actualRoute).toBe('refine')
  })

  it('json_schema uses the validator given, and a non-JSON answer fails', () => {
    const [c] = parseEvalCases('{"input":"x","expect":{"json_schema":{"type":"object"}}}').cases
    const validator = (_s: Record<string, unknown>, v: unknown): string | undefined =>
      typeof v === 'object' ? undefined : 'not an object'
    expect(
      scoreCase(c!, { route: [], durationMs: 1, answer: '{"a":1}' }, new Set(), validator).passed
    ).toBe(true)
    expect(
      scoreCase(c!, { route: [], durationMs: 1, answer: '3' }, new Set(), validator).checks[0]
        ?.detail
    ).toBe('not an object')
    expect(
      scoreCase(c!, { route: [], durationMs: 1, answer: 'nope' }, new Set(), validator).checks[0]
        ?.detail
    ).toContain('not JSON')
  })

  it('lists the cases whose outcome changed between two runs', () => {
    const after = summarise(
      'support',
      [results[0]!, { ...results[1]!, passed: true, actualRoute: 'billing' }],
      []
    )
    expect(changedCases(report, after)).toEqual([
      {
        id: 'b2',
        before: { passed: false, actualRoute: 'tech' },
        after: { passed: true, actualRoute: 'billing' }
      }
    ])
  })

  it('nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeNull()
    expect(percentile([1, 2, 3, 4], 50)).toBe(2)
    expect(percentile([1, 2, 3, 4], 95)).toBe(4)
  })
})
