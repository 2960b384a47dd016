/**
 * @module The served composition of a pipeline, parsed for a graph (loaded on first use). The
 * parser (YAML and JSONC included) loads with the first composition read, not with the first
 * page.
 */
import { useEffect, useMemo, useState } from 'react'
import { useS, useStores } from '../stores'
import type { LooseComposition } from './composition'
import { onDemandModule } from './on-demand'

const reader = onDemandModule(() => import('./composition'))

/** The composition `name` serves now, or null while loading or when it does not parse. */
export function useComposition(name: string | null): LooseComposition | null {
  const s = useStores()
  const entry = useS(s.pipelines, (p) => (name ? p.texts[name] : undefined))
  const [ready, setReady] = useState(reader.get() !== undefined)
  useEffect(() => {
    if (name && !s.pipelines.getState().texts[name]) void s.pipelines.getState().loadText(name)
  }, [name, s.pipelines])
  useEffect(() => {
    if (!ready && name) void reader.load().then(() => setReady(true))
  }, [ready, name])
  return useMemo(() => {
    const read = ready ? reader.get()?.readComposition : undefined
    return entry && read ? read(entry.text, entry.format) : null
  }, [entry, ready])
}
