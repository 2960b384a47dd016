import type { ReactNode } from 'react'

/**
 * A button that asks first (the browser's confirm dialog) and acts only on OK: the deletions and
 * removals of every page.
 */
export function ConfirmButton(props: {
  question: string
  onConfirm: () => unknown
  className?: string
  children: ReactNode
}): React.JSX.Element {
  return (
    <button
      className={props.className}
      onClick={() => {
        if (window.confirm(props.question)) void props.onConfirm()
      }}
    >
      {props.children}
    </button>
  )
}
