/** @module The served composition of a pipeline, parsed for a graph (loaded on first use). */
import { useEffect, useMemo } from 'react'
import { useS, useStores } from '../stores'
import { readComposition, type LooseComposition } from './composition'

/** The composition `name` serves now, or null while loading or when it does not parse. */
export function useComposition(name: string | null): LooseComposition | null {
  const s = useStores()
  const entry = useS(s.pipelines, (p) => (name ? p.texts[name] : undefined))
  useEffect(() => {
    if (name && !s.pipelines.getState().texts[name]) void s.pipelines.getState().loadText(name)
  }, [name, s.pipelines])
  return useMemo(() => (entry ? readComposition(entry.text, entry.format) : null), [entry])
}
