/** Sample contract values of the Eval tests: a set of four cases and reports scored by the shared scorer. */
import { parseEvalCases } from '../../../../shared/eval/cases'
import {
  type CaseOutcome,
  type EvalReport,
  routeClasses,
  scoreCase,
  summarise
} from '../../../../shared/eval/score'

/** A library pipeline summary, as `pipelines.list` gives it. */
export const pipelineSummary = (name: string, version = 1) => ({
  name,
  source: 'library' as const,
  path: null,
  enabled: true,
  isDefault: false,
  status: 'loaded' as const,
  error: null,
  version,
  updatedAt: 1
})

/** Four cases: two expect billing, two tech. */
export const CASES = [
  '{"id":"b1","input":"my invoice is wrong","expect":{"route":"billing","contains":"refund"}}',
  '{"id":"b2","input":"a double charge","expect":{"route":"billing"}}',
  '{"id":"t1","input":"my laptop is broken","expect":{"route":"tech"}}',
  '{"id":"t2","input":"the screen flickers","expect":{"route":"tech"}}'
].join('\n')

const via = (node: string, answer = 'a refund'): CaseOutcome => ({
  route: ['router', node, 'output'],
  decisions: [node],
  durationMs: 100,
  answer
})

/**
 * The report of a pipeline taking `routes` for the four cases, scored by the shared scorer.
 * With billing, tech, tech, tech: confusion billing→{billing 1, tech 1}, tech→{tech 2}, 75 %.
 */
export function reportFor(pipeline: string, routes: string[]): EvalReport {
  const cases = parseEvalCases(CASES).cases
  const classes = routeClasses(cases)
  const outcomes = cases.map((_, i) => via(routes[i] ?? 'tech'))
  return summarise(
    pipeline,
    cases.map((c, i) => scoreCase(c, outcomes[i] as CaseOutcome, classes)),
    outcomes
  )
}
