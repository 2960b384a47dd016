import { useEffect, useState } from 'react'

type CopyState = 'idle' | 'copied' | 'failed'

/**
 * Copies text to the clipboard and says so, or says it could not (no clipboard, permission
 * refused): a failed copy is never shown as done.
 */
export function CopyButton(props: {
  text: string
  label?: string
  /** The tooltip (e.g. "Copy this message"). */
  title?: string
  className?: string
}): React.JSX.Element {
  const [state, setState] = useState<CopyState>('idle')
  useEffect(() => {
    if (state === 'idle') return
    const t = setTimeout(() => setState('idle'), 2000)
    return () => clearTimeout(t)
  }, [state])
  const copy = async (): Promise<void> => {
    try {
      // `navigator.clipboard` is missing outside a secure context; writeText rejects when the
      // page lacks the permission or focus.
      if (!navigator.clipboard) throw new Error('no clipboard')
      await navigator.clipboard.writeText(props.text)
      setState('copied')
    } catch {
      setState('failed')
    }
  }
  return (
    <button
      type="button"
      className={props.className}
      onClick={() => void copy()}
      title={state === 'failed' ? 'Could not copy to the clipboard' : props.title}
      data-copy-state={state}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : (props.label ?? 'Copy')}
    </button>
  )
}
