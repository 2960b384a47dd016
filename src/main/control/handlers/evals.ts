/** @module Evaluation routes: each a call into the evaluation service. */
import type { EvalService } from '../../core/eval/eval-service'
import type { DomainHandlers } from './types'

const summary = <T extends { report?: unknown; againstReport?: unknown }>(
  run: T
): Omit<T, 'report' | 'againstReport'> => {
  const { report: _r, againstReport: _a, ...rest } = run
  return rest
}

export function evalsHandlers(evals: EvalService): DomainHandlers<'evals'> {
  return {
    async 'evals.list'() {
      return {
        sets: evals.listSets().map((s) => ({
          name: s.name,
          cases: s.cases,
          updatedAt: s.updatedAt,
          lastRun: s.lastRun && {
            id: s.lastRun.id,
            startedAt: s.lastRun.startedAt,
            accuracy: s.lastRun.accuracy,
            passed: s.lastRun.passed ?? 0,
            total: s.lastRun.total
          }
        }))
      }
    },
    'evals.get': async (input) => evals.getSet(input.name),
    'evals.save': async (input) => evals.saveSet(input.name, input.text),
    'evals.delete': async (input) => ({ deleted: evals.deleteSet(input.name) }),
    'evals.add_case': async (input) =>
      evals.addCase(input.set, input.traceId, input.route, input.id),
    'evals.run': async (input) => evals.startRun(input),
    'evals.cancel': async (input) => ({ cancelled: evals.cancel(input.id) }),
    'evals.runs': async (input) => ({ runs: evals.listRuns(input.set, input.limit).map(summary) }),
    'evals.run_get': async (input) => evals.getRun(input.id)
  }
}
