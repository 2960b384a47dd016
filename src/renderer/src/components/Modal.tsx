import { useEffect, useRef, type ReactNode } from 'react'

/** A modal dialog (the native `<dialog>`: focus trap and Escape for free). */
export function Modal(props: {
  title: string
  children: ReactNode
  onClose: () => void
  testId?: string
}): React.JSX.Element {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (d && !d.open) d.showModal()
  }, [])
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-label={props.title}
      data-testid={props.testId}
      onClose={props.onClose}
    >
      <h2>{props.title}</h2>
      {props.children}
    </dialog>
  )
}
