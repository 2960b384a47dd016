import { DEFAULT_MAX_HOPS } from '../../../shared/config/semantics'
import type { Composition } from '../../../shared/config/schema'
import { analyzeTopology, type Topology } from '../../../shared/config/topology'

/** A validated composition, analysed once at load time and shared by every request. */
export interface CompiledPipeline {
  id: string
  path?: string
  composition: Composition
  topology: Topology
  /** Every `extra-options.UseHeaderKeys` entry of the pipeline. */
  headerKeys: string[]
  maxHops: number
}

export function compilePipeline(id: string, composition: Composition, path?: string): CompiledPipeline {
  const headerKeys = [
    ...new Set(composition.architecture.flatMap((n) => n['extra-options']?.UseHeaderKeys ?? []))
  ]
  return {
    id,
    path,
    composition,
    topology: analyzeTopology(composition),
    headerKeys,
    maxHops: composition['max-hops'] ?? DEFAULT_MAX_HOPS
  }
}
