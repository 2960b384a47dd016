import type { ReactNode } from 'react'

/**
 * The one table the pages share (running and local models, secrets, requests, app tokens, the
 * evaluation sets, runs and reports): it scrolls inside its own box rather than widening the
 * page, with a header row of `columns` (an empty string for a column of buttons) and the rows
 * the page draws as children.
 */
export function DataTable(props: {
  testId: string
  columns: readonly ReactNode[]
  /** Said above the table, for people and screen readers. */
  caption?: ReactNode
  /** Tighter rows, for the evaluation reports. */
  compact?: boolean
  children: ReactNode
}): React.JSX.Element {
  return (
    <div className="table-wrap">
      <table className={props.compact ? 'table compact' : 'table'} data-testid={props.testId}>
        {props.caption && <caption className="muted small">{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((c, i) => (
              <th key={i}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  )
}
