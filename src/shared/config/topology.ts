/**
 * @module Pure graph analysis of a composition: the entry node, how `output-to` targets resolve,
 * layers, edges and reachability. The engine, the validator, the dry-run and the graph view all
 * read the pipeline through this one module so they cannot disagree.
 */
import type { ArchitectureNode, Composition } from './schema'

export type NodeKind = 'llm' | 'output' | 'ws'

export function nodeKind(node: Pick<ArchitectureNode, 'adapter'>): NodeKind {
  if (node.adapter === 'output') return 'output'
  if (node.adapter === 'ws') return 'ws'
  return 'llm'
}

/** A node without `layer` is at layer 0, as in the Rust llmnet runtime. */
export function effectiveLayer(node: Pick<ArchitectureNode, 'layer'>): number {
  return node.layer ?? 0
}

/** Output and ws nodes end a path: they return (and for ws, also forward) the answer. */
export function isTerminal(node: Pick<ArchitectureNode, 'adapter'>): boolean {
  return nodeKind(node) !== 'llm'
}

export interface ResolvedTargets {
  /** Candidates in a stable order: name targets as listed, layer targets in file order. */
  nodes: ArchitectureNode[]
  /** Targets that select nothing: a missing name, or a layer with no node. */
  unresolved: { index: number; target: string | number }[]
}

export interface Edge {
  from: string
  to: string
  /** The `output-to` entry that produced the edge. */
  via: string | number
}

export interface Topology {
  nodes: ReadonlyMap<string, ArchitectureNode>
  /** Layer-0 nodes that are not output or ws nodes; a valid pipeline has exactly one. */
  entries: ArchitectureNode[]
  entry: ArchitectureNode | undefined
  /** Layer number → nodes, in ascending layer order. */
  layers: [number, ArchitectureNode[]][]
  edges: Edge[]
  /** Names reachable from the entry nodes (entries included). */
  reachable: ReadonlySet<string>
  /**
   * ws nodes that no `output-to` names: they are side outputs that receive the final answer
   * when their `if` holds (the Rust llmnet README's header-triggered WebSocket output).
   */
  taps: ArchitectureNode[]
  targetsOf(node: ArchitectureNode): ResolvedTargets
}

export function analyzeTopology(composition: Pick<Composition, 'architecture'>): Topology {
  const arch = composition.architecture
  const nodes = new Map<string, ArchitectureNode>()
  for (const node of arch) if (!nodes.has(node.name)) nodes.set(node.name, node)

  const byLayer = new Map<number, ArchitectureNode[]>()
  for (const node of nodes.values()) {
    const layer = effectiveLayer(node)
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), node])
  }

  const targetCache = new Map<ArchitectureNode, ResolvedTargets>()
  const targetsOf = (node: ArchitectureNode): ResolvedTargets => {
    const cached = targetCache.get(node)
    if (cached) return cached
    const out: ArchitectureNode[] = []
    const unresolved: ResolvedTargets['unresolved'] = []
    const add = (n: ArchitectureNode): void => {
      if (!out.includes(n)) out.push(n)
    }
    ;(node['output-to'] ?? []).forEach((target, index) => {
      if (typeof target === 'string') {
        const n = nodes.get(target)
        if (n) add(n)
        else unresolved.push({ index, target })
        return
      }
      const inLayer = byLayer.get(target) ?? []
      // As in the Rust llmnet: a layer's LLM nodes; its output nodes only when it has none.
      const llm = inLayer.filter((n) => nodeKind(n) === 'llm')
      const picked = llm.length > 0 ? llm : inLayer
      if (picked.length === 0) unresolved.push({ index, target })
      picked.forEach(add)
    })
    const result = { nodes: out, unresolved }
    targetCache.set(node, result)
    return result
  }

  const entries = [...nodes.values()].filter(
    (n) => effectiveLayer(n) === 0 && nodeKind(n) === 'llm'
  )
  const entry = entries.length === 1 ? entries[0] : undefined

  const edges: Edge[] = []
  const referenced = new Set<string>()
  for (const node of nodes.values()) {
    const targets = targetsOf(node).nodes
    for (const t of targets) {
      referenced.add(t.name)
      const via = (node['output-to'] ?? []).find((x) => x === t.name) ?? effectiveLayer(t)
      edges.push({ from: node.name, to: t.name, via })
    }
  }

  // From every entry, so a composition with two entries is still analysed while it is reported.
  const reachable = new Set<string>()
  {
    const stack = [...entries]
    while (stack.length > 0) {
      const node = stack.pop()
      if (!node || reachable.has(node.name)) continue
      reachable.add(node.name)
      if (nodeKind(node) === 'llm') stack.push(...targetsOf(node).nodes)
    }
  }
  const taps = [...nodes.values()].filter((n) => nodeKind(n) === 'ws' && !referenced.has(n.name))

  const layers = [...byLayer.entries()].sort((a, b) => a[0] - b[0])
  return { nodes, entries, entry, layers, edges, reachable, taps, targetsOf }
}

/**
 * Simple cycles among reachable LLM nodes (each reported once, as a list of node names that
 * starts and ends with the same node).
 */
export function findCycles(topology: Topology): string[][] {
  const cycles: string[][] = []
  const seen = new Set<string>()
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (name: string): void => {
    state.set(name, 'open')
    path.push(name)
    const node = topology.nodes.get(name)
    const next = node && nodeKind(node) === 'llm' ? topology.targetsOf(node).nodes : []
    for (const t of next) {
      if (nodeKind(t) !== 'llm') continue
      const s = state.get(t.name)
      if (s === 'open') {
        const cycle = [...path.slice(path.indexOf(t.name)), t.name]
        const key = [...cycle.slice(0, -1)].sort().join('\u0000')
        if (!seen.has(key)) {
          seen.add(key)
          cycles.push(cycle)
        }
      } else if (s === undefined) visit(t.name)
    }
    path.pop()
    state.set(name, 'done')
  }
  if (topology.entry) visit(topology.entry.name)
  return cycles
}
