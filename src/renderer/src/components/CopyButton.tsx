import { useState } from 'react'

/** Copies text to the clipboard and says so. */
export function CopyButton(props: { text: string; label?: string }): React.JSX.Element {
  const [done, setDone] = useState(false)
  return (
    <button
      onClick={() => {
        void navigator.clipboard?.writeText(props.text).then(
          () => setDone(true),
          () => setDone(false)
        )
      }}
    >
      {done ? 'Copied' : (props.label ?? 'Copy')}
    </button>
  )
}
