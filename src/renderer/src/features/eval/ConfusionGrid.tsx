/**
 * @module A confusion matrix drawn as a grid: rows are the expected routes, columns the routes
 * taken (a route only ever taken gets an empty row, so the grid stays square), each cell the number of cases; the diagonal (routed right) is highlighted, and a cell's
 * shade grows with its share of its row.
 */
import type { EvalReport } from '../../../../shared/eval/score'

/** Labels a request took when it had no labelled route or failed: columns only. */
const SPECIAL = new Set(['(none)', '(error)'])

/**
 * Row labels (every route expected or taken, so the grid is square over the routes) and column
 * labels (the same, then `(none)` and `(error)` when some case ended there).
 */
export function confusionLabels(confusion: EvalReport['routing']['confusion']): {
  rows: string[]
  cols: string[]
} {
  const routes = new Set(Object.keys(confusion))
  const special = new Set<string>()
  for (const row of Object.values(confusion))
    for (const a of Object.keys(row)) (SPECIAL.has(a) ? special : routes).add(a)
  const rows = [...routes].sort()
  return { rows, cols: [...rows, ...[...special].sort()] }
}

export function ConfusionGrid(props: {
  confusion: EvalReport['routing']['confusion']
  label?: string
}): React.JSX.Element {
  const { rows, cols } = confusionLabels(props.confusion)
  if (Object.keys(props.confusion).length === 0)
    return <p className="muted small">No case expects a route, so there is no matrix.</p>
  return (
    <div className="confusion-wrap">
      <table
        className="confusion"
        data-testid="confusion-grid"
        aria-label={props.label ?? 'Confusion matrix: expected route by row, route taken by column'}
      >
        <thead>
          <tr>
            <th scope="col" className="corner">
              <span className="muted small">expected ↓ · took →</span>
            </th>
            {cols.map((c) => (
              <th key={c} scope="col" title={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const row = props.confusion[r] ?? {}
            const total = Object.values(row).reduce((a, b) => a + b, 0)
            return (
              <tr key={r}>
                <th scope="row" title={r}>
                  {r}
                </th>
                {cols.map((c) => {
                  const n = row[c] ?? 0
                  const diagonal = r === c
                  const share = total ? n / total : 0
                  return (
                    <td
                      key={c}
                      className={`cell${diagonal ? ' diagonal' : ''}${n && !diagonal ? ' miss' : ''}`}
                      style={{ ['--share' as string]: share.toFixed(2) }}
                      data-expected={r}
                      data-actual={c}
                      aria-label={`expected ${r}, took ${c}: ${n}`}
                    >
                      {n}
                    </td>
                  )
                })}
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
