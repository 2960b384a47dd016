/**
 * @module `llmnet eval NAME …` on a running app or `llmnet serve` (the cluster verbs' contexts):
 * the cases are sent with the run, the app runs them with its own pipelines (or a stored version,
 * `NAME@vN`), and the report comes back when the run ends.
 */
import { type EvalCase, formatEvalCase } from '../../shared/eval/cases'
import type { EvalReport } from '../../shared/eval/score'
import { parseTargetRef } from '../core/eval/eval-service'
import { remote } from './cluster-commands'
import { type EvalFlags, printOutcome } from './eval-format'
import type { CliIO } from './io'
import { RemoteError } from './remote'

const POLL_MS = 200

export async function evalRemote(
  target: string,
  cases: EvalCase[],
  flags: EvalFlags,
  io: CliIO
): Promise<number> {
  const text = cases.map(({ line: _line, ...c }) => formatEvalCase(c)).join('\n')
  return remote(
    io,
    { context: flags.context, config: flags.config, output: 'table' },
    async (client, ctx) => {
      const started = await client.call('evals.run', {
        cases: text,
        target: parseTargetRef(target),
        ...(flags.against !== undefined && { against: parseTargetRef(flags.against) }),
        concurrency: Number(flags.concurrency ?? 4)
      })
      const progress = io.stderr.isTTY && !flags.json
      for (;;) {
        const run = await client.call('evals.run_get', { id: started.id })
        if (run.status !== 'running') {
          if (progress) io.stderr.write('\n')
          if (run.status !== 'done' || !run.report) {
            throw new RemoteError(
              'eval_failed',
              `the run on ${ctx.name} ${run.status}: ${run.error ?? 'no report'}`
            )
          }
          return printOutcome(
            run.report as EvalReport,
            (run.againstReport as EvalReport | null) ?? undefined,
            flags,
            io
          )
        }
        if (progress) io.stderr.write(`\r${target} on ${ctx.name}: running ${started.total} cases…`)
        await new Promise((r) => setTimeout(r, POLL_MS))
      }
    }
  )
}
