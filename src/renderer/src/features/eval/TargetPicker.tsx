/** @module Picks what a run evaluates: a pipeline as served, or one of its stored versions. */
import { useEffect } from 'react'
import type { EvalTarget } from '../../../../shared/contract/evals'
import { useS, useStores } from '../../stores'

export function TargetPicker(props: {
  label: string
  value: EvalTarget | null
  onChange: (t: EvalTarget | null) => void
  testid: string
}): React.JSX.Element {
  const s = useStores()
  const pipelines = useS(s.pipelines, (p) => p.list.map((x) => x.name))
  const pipeline = props.value?.pipeline ?? ''
  const versions = useS(s.evals, (e) => (pipeline ? e.versions[pipeline] : undefined))
  // Reloaded when the library serves a new version (the list follows pipeline events).
  const served = useS(s.pipelines, (p) => p.list.find((x) => x.name === pipeline)?.version ?? null)
  useEffect(() => {
    if (pipeline) void s.evals.getState().loadVersions(pipeline)
  }, [pipeline, served, s.evals])
  return (
    <fieldset className="eval-target" data-testid={props.testid}>
      <legend>{props.label}</legend>
      <label className="inline">
        Pipeline{' '}
        <select
          value={pipeline}
          onChange={(e) => props.onChange(e.target.value ? { pipeline: e.target.value } : null)}
          data-testid={`${props.testid}-pipeline`}
        >
          <option value="">choose…</option>
          {pipelines.map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </label>
      <label className="inline">
        Version{' '}
        <select
          value={props.value?.version ?? ''}
          disabled={!pipeline || !versions?.length}
          onChange={(e) =>
            props.onChange({
              pipeline,
              ...(e.target.value ? { version: Number(e.target.value) } : {})
            })
          }
          data-testid={`${props.testid}-version`}
        >
          <option value="">as served</option>
          {(versions ?? []).map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
      </label>
    </fieldset>
  )
}
