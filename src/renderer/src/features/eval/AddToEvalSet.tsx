/**
 * @module "Add to eval set" on a logged request: pick a set or name a new one, and keep the route
 * the request took as the expected route or correct it (any node of the pipeline).
 */
import { useEffect, useId, useState } from 'react'
import type { Trace } from '../../../../shared/trace'
import { useComposition } from '../../lib/use-composition'
import { useS, useStores } from '../../stores'
import { replayMessages } from '../../stores/traces-store'
import './eval.css'

/** The route a case made of this trace expects unless corrected (as `evals.add_case` derives it). */
export function routeTaken(trace: Trace): string | undefined {
  return trace.hops.find((h) => h.action === 'route' && h.decision)?.decision ?? trace.route[1]
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** Give it `key={trace.id}`, so another trace starts it afresh. */
export function AddToEvalSet(props: { trace: Trace }): React.JSX.Element {
  const s = useStores()
  const { trace } = props
  const [open, setOpen] = useState(false)
  // null until typed in: then the first existing set is offered.
  const [typed, setSet] = useState<string | null>(null)
  const taken = routeTaken(trace)
  const [route, setRoute] = useState(taken ?? '')
  const [busy, setBusy] = useState(false)
  const sets = useS(s.evals, (e) => e.sets.map((x) => x.name))
  const loaded = useS(s.evals, (e) => e.loaded)
  const composition = useComposition(open ? trace.pipeline : null)
  const listId = useId()
  const set = typed ?? sets[0] ?? ''
  useEffect(() => {
    if (open && !loaded) void s.evals.getState().refresh()
  }, [open, loaded, s.evals])
  const canStore = replayMessages(trace) !== null
  if (!open)
    return (
      <button
        onClick={() => setOpen(true)}
        disabled={!canStore}
        title={
          canStore
            ? 'Make this request a case of an evaluation set'
            : 'This request was logged without its messages'
        }
        data-testid="add-to-eval"
      >
        Add to eval set
      </button>
    )
  const nodes = (composition?.architecture ?? [])
    .filter((n) => n.adapter !== 'output' && n.name !== trace.route[0])
    .map((n) => n.name)
  if (taken && !nodes.includes(taken)) nodes.unshift(taken)
  const valid = NAME.test(set)
  return (
    <form
      className="add-to-eval"
      data-testid="add-to-eval-form"
      aria-label="Add to eval set"
      onSubmit={(e) => {
        e.preventDefault()
        if (!valid) return
        setBusy(true)
        void s.evals
          .getState()
          .addCase(set, trace.id, route && route !== taken ? route : undefined)
          .then((ok) => {
            setBusy(false)
            if (ok) setOpen(false)
          })
      }}
    >
      <label className="inline">
        Set{' '}
        <input
          list={listId}
          value={set}
          onChange={(e) => setSet(e.target.value.trim())}
          placeholder="new or existing set"
          data-testid="eval-set-name"
          aria-invalid={set !== '' && !valid}
        />
        <datalist id={listId}>
          {sets.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      </label>
      <label className="inline">
        Expected route{' '}
        <select value={route} onChange={(e) => setRoute(e.target.value)} data-testid="eval-route">
          {!taken && <option value="">none</option>}
          {nodes.map((n) => (
            <option key={n} value={n}>
              {n === taken ? `${n} (taken)` : n}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={!valid || busy} data-testid="add-case">
        {busy ? 'Adding…' : 'Add'}
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  )
}
