/**
 * @module The readable form of an evaluation report: each failed case and why, routing accuracy,
 * the confusion matrix, per-route precision and recall, checks per kind, latency and tokens; and
 * two reports side by side with the cases whose outcome changed.
 */
import {
  type CaseChange,
  type EvalReport,
  changedCases,
  reportPasses
} from '../../shared/eval/score'
import { EXIT } from './exit-codes'
import type { CliIO } from './io'
import { createStyle, type Style } from './style'

export interface EvalFlags {
  cases: string
  json?: boolean
  minAccuracy?: string
  concurrency?: string
  against?: string
  inputVar?: string
  all?: boolean
  context?: string
  config?: string
}

const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(1)}%`)
const ms = (v: number | null): string => (v === null ? '-' : `${Math.round(v)} ms`)

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()
    )
    .join('\n')
}

/** Each case: ✓/✗, id, route taken, time; and for a failure, each failed check. */
export function formatCases(report: EvalReport, style: Style, all = false): string {
  const out: string[] = []
  for (const c of report.cases) {
    if (c.passed && !all) continue
    const mark = c.passed ? style.green('✓') : style.red('✗')
    out.push(
      `${mark} ${c.id}  ${style.dim(`${c.route.join(' > ') || 'no route'}  ${ms(c.durationMs)}`)}`
    )
    if (c.error) out.push(`    ${style.red(c.error.code)}: ${c.error.message}`)
    for (const k of c.checks)
      if (!k.passed && !c.error) out.push(`    ${k.kind}: ${k.detail ?? 'failed'}`)
  }
  return out.length ? `${out.join('\n')}\n` : ''
}

export function formatConfusion(report: EvalReport): string {
  const expected = Object.keys(report.routing.confusion)
  const actual = [
    ...new Set([...expected, ...Object.values(report.routing.confusion).flatMap(Object.keys)])
  ]
  const rows = [['expected \\ actual', ...actual]]
  for (const e of expected)
    rows.push([e, ...actual.map((a) => String(report.routing.confusion[e]?.[a] ?? 0))])
  return table(rows)
}

/** The summary of one report. */
export function formatReport(report: EvalReport, style: Style): string {
  const r = report.routing
  const lines = [
    `${style.bold(report.pipeline)}: ${report.total} cases, ${style.green(`${report.passed} passed`)}, ${report.failed ? style.red(`${report.failed} failed`) : '0 failed'}${report.errors ? ` (${report.errors} request errors)` : ''}`
  ]
  if (r.cases > 0) {
    lines.push(
      `routing accuracy ${style.bold(pct(r.accuracy))} (${r.correct}/${r.cases})`,
      '',
      formatConfusion(report),
      ''
    )
    const per = [['route', 'precision', 'recall', 'expected', 'taken']]
    for (const [node, s] of Object.entries(r.perRoute))
      per.push([node, pct(s.precision), pct(s.recall), String(s.support), String(s.predicted)])
    lines.push(table(per), '')
  }
  const checks = Object.entries(report.checks)
  if (checks.length)
    lines.push(
      `checks: ${checks.map(([k, v]) => `${k} ${v.passed}/${v.passed + v.failed}`).join(', ')}`
    )
  const lat = [
    ['latency', 'count', 'p50', 'p95'],
    [
      'overall',
      String(report.latency.overall.count),
      ms(report.latency.overall.p50),
      ms(report.latency.overall.p95)
    ]
  ]
  for (const [node, l] of Object.entries(report.latency.byRoute))
    lat.push([node, String(l.count), ms(l.p50), ms(l.p95)])
  lines.push(table(lat))
  const t = report.tokens.total
  if (t.evaluated + t.cached + t.generated > 0) {
    const tok = [
      ['tokens', 'evaluated', 'cached', 'generated'],
      ['total', String(t.evaluated), String(t.cached), String(t.generated)]
    ]
    for (const [node, n] of Object.entries(report.tokens.byNode))
      tok.push([node, String(n.evaluated), String(n.cached), String(n.generated)])
    lines.push('', table(tok))
  }
  return `${lines.join('\n')}\n`
}

/** Two runs of the same cases side by side, then the cases whose outcome changed. */
export function formatComparison(
  a: EvalReport,
  b: EvalReport,
  changed: CaseChange[],
  style: Style
): string {
  const rows = [
    ['', a.pipeline, b.pipeline],
    ['passed', `${a.passed}/${a.total}`, `${b.passed}/${b.total}`],
    ['routing accuracy', pct(a.routing.accuracy), pct(b.routing.accuracy)],
    ['latency p50', ms(a.latency.overall.p50), ms(b.latency.overall.p50)],
    ['latency p95', ms(a.latency.overall.p95), ms(b.latency.overall.p95)],
    ['tokens generated', String(a.tokens.total.generated), String(b.tokens.total.generated)]
  ]
  const out = [table(rows), '']
  if (changed.length === 0) out.push('no case changed its outcome')
  else {
    out.push(`${changed.length} case${changed.length === 1 ? '' : 's'} changed:`)
    for (const c of changed) {
      const word = (p: boolean): string => (p ? style.green('pass') : style.red('fail'))
      out.push(
        `  ${c.id}: ${word(c.before.passed)} (${c.before.actualRoute ?? '-'}) → ${word(c.after.passed)} (${c.after.actualRoute ?? '-'})`
      )
    }
  }
  return `${out.join('\n')}\n`
}

/** Prints the report(s) and returns the gate's exit code. */
export function printOutcome(
  report: EvalReport,
  against: EvalReport | undefined,
  flags: Pick<EvalFlags, 'json' | 'minAccuracy' | 'all'>,
  io: CliIO
): number {
  const min = flags.minAccuracy === undefined ? undefined : Number(flags.minAccuracy)
  const changed = against ? changedCases(report, against) : []
  if (flags.json) {
    const doc = against ? { ...report, against, changed } : report
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`)
  } else {
    const style = createStyle(io.stdout, io.env)
    io.stdout.write(formatCases(report, style, flags.all))
    io.stdout.write(formatReport(report, style))
    if (against) {
      io.stdout.write(
        `\n${formatCases(against, style, flags.all)}${formatReport(against, style)}\n`
      )
      io.stdout.write(formatComparison(report, against, changed, style))
    }
  }
  const gated = against ?? report
  if (reportPasses(gated, min)) return EXIT.OK
  if (!flags.json) {
    const why =
      gated.failed > 0
        ? `${gated.failed} case${gated.failed === 1 ? '' : 's'} failed`
        : `routing accuracy ${gated.routing.accuracy} is below --min-accuracy ${min}`
    io.stderr.write(`llmnet: evaluation failed: ${why}\n`)
  }
  return EXIT.EVAL_FAILED
}
