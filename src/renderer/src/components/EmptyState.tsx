import type { ReactNode } from 'react'

/** An empty list that says what to do next. */
export function EmptyState(props: {
  title: string
  children?: ReactNode
  action?: ReactNode
}): React.JSX.Element {
  return (
    <div className="empty" data-testid="empty-state">
      <h3>{props.title}</h3>
      {props.children && <p>{props.children}</p>}
      {props.action}
    </div>
  )
}
