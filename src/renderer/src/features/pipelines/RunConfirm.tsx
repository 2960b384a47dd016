/**
 * @module The confirmation a composition with shell or gRPC functions needs before it is saved
 * (and so before a hook can run it): exactly what each function runs.
 */
import { Modal } from '../../components/Modal'
import type { RiskyFunction } from '../../lib/composition'

/** Lists each program or gRPC call; Save only after the person agrees. */
export function RunConfirm(props: {
  functions: RiskyFunction[]
  onConfirm: () => void
  onCancel: () => void
}): React.JSX.Element {
  return (
    <Modal
      title="This pipeline runs programs on your computer"
      onClose={props.onCancel}
      testId="run-confirm"
    >
      <p>
        Its hooks call these functions with the text of requests and answers. Save only if you trust
        every one of them.
      </p>
      <ul className="risky">
        {props.functions.map((f) => (
          <li key={f.name}>
            <strong>{f.name}</strong> <span className="badge">{f.type}</span>
            <pre data-testid="risky-runs">{f.runs}</pre>
            {f.detail.length > 0 && <span className="muted small">{f.detail.join(' · ')}</span>}
          </li>
        ))}
      </ul>
      <div className="row end">
        <button onClick={props.onCancel} autoFocus>
          Cancel
        </button>
        <button className="danger" onClick={props.onConfirm} data-testid="confirm-run">
          I trust these, save
        </button>
      </div>
    </Modal>
  )
}
