/**
 * @module The served composition of a pipeline, parsed for a graph (loaded on first use). The
 * parser (YAML and JSONC included) loads with the first composition read, not with the first
 * page.
 */
import { useEffect, useMemo, useState } from 'react'
import { useS, useStores } from '../stores'
import type * as Reader from './composition'
import type { LooseComposition } from './composition'

let reader: typeof Reader | undefined
let loading: Promise<typeof Reader> | undefined
const loadReader = (): Promise<typeof Reader> =>
  (loading ??= import('./composition').then((m) => (reader = m)))

/** The composition `name` serves now, or null while loading or when it does not parse. */
export function useComposition(name: string | null): LooseComposition | null {
  const s = useStores()
  const entry = useS(s.pipelines, (p) => (name ? p.texts[name] : undefined))
  const [ready, setReady] = useState(reader !== undefined)
  useEffect(() => {
    if (name && !s.pipelines.getState().texts[name]) void s.pipelines.getState().loadText(name)
  }, [name, s.pipelines])
  useEffect(() => {
    if (!ready && name) void loadReader().then(() => setReady(true))
  }, [ready, name])
  return useMemo(
    () => (entry && ready && reader ? reader.readComposition(entry.text, entry.format) : null),
    [entry, ready]
  )
}
