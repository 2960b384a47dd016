import { useState } from 'react'

/** Copies text to the clipboard and says whether it worked. */
export function CopyButton(props: { text: string; label?: string }): React.JSX.Element {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  return (
    <button
      onClick={() => {
        const clipboard = navigator.clipboard
        const write = clipboard
          ? clipboard.writeText(props.text)
          : Promise.reject(new Error('no clipboard'))
        void write.then(
          () => setState('copied'),
          () => setState('failed')
        )
      }}
      title={state === 'failed' ? 'The clipboard refused the text: select and copy it' : undefined}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : (props.label ?? 'Copy')}
    </button>
  )
}
