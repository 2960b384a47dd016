/**
 * @module A composition as a graph: one column per layer (requests enter at the left), edges from
 * `output-to`, each labelled with its target's `if`, and a route (node names) highlighted.
 */
import type { LooseComposition, LooseNode } from './composition'

export const INPUT_NODE = '(request)'

export interface GraphNode {
  id: string
  label: string
  column: number
  row: number
  kind: 'input' | 'model' | 'output' | 'other'
  model?: string
  condition?: string
  /** What a router reads to pick this node. */
  useCase?: string
  adapter?: string
  onRoute: boolean
}

export interface GraphEdge {
  id: string
  source: string
  target: string
  /** The target's `if`, which filters this edge. */
  label?: string
  kind: 'output-to' | 'default-route' | 'entry'
  onRoute: boolean
}

export interface GraphLayout {
  nodes: GraphNode[]
  edges: GraphEdge[]
  columns: number
}

const kindOf = (n: LooseNode): GraphNode['kind'] =>
  n.adapter === 'output' ? 'output' : n.model ? 'model' : 'other'

/** Lays out the graph; `route` is the node names a request passed, in order. */
export function layoutComposition(c: LooseComposition, route: readonly string[] = []): GraphLayout {
  const nodes = c.architecture
  const maxLayer = Math.max(-1, ...nodes.map((n) => (typeof n.layer === 'number' ? n.layer : -1)))
  // A node without a layer (output, taps) sits after the last layer.
  const columnOf = (n: LooseNode): number =>
    (typeof n.layer === 'number' ? n.layer : maxLayer + 1) + 1
  const byName = new Map(nodes.map((n) => [n.name, n]))
  const rows = new Map<number, number>()
  const routeSet = new Set(route)
  const stepPairs = new Set<string>()
  const fullRoute = route.length ? [INPUT_NODE, ...route] : []
  for (let i = 1; i < fullRoute.length; i++) stepPairs.add(`${fullRoute[i - 1]}→${fullRoute[i]}`)

  const out: GraphNode[] = [
    {
      id: INPUT_NODE,
      label: INPUT_NODE,
      column: 0,
      row: 0,
      kind: 'input',
      onRoute: route.length > 0
    }
  ]
  for (const n of nodes) {
    const column = columnOf(n)
    const row = rows.get(column) ?? 0
    rows.set(column, row + 1)
    out.push({
      id: n.name,
      label: n.name,
      column,
      row,
      kind: kindOf(n),
      model: n.model,
      condition: n.if,
      useCase: n['use-case'],
      adapter: n.adapter,
      onRoute: routeSet.has(n.name)
    })
  }

  const edges: GraphEdge[] = []
  const seen = new Set<string>()
  const add = (source: string, target: string, kind: GraphEdge['kind']): void => {
    const id = `${source}→${target}`
    if (seen.has(id) || !byName.has(target)) return
    seen.add(id)
    edges.push({
      id,
      source,
      target,
      label: byName.get(target)?.if,
      kind,
      onRoute: stepPairs.has(id)
    })
  }
  for (const n of nodes) if (n.layer === 0) add(INPUT_NODE, n.name, 'entry')
  for (const n of nodes) {
    for (const t of n['output-to'] ?? []) {
      if (typeof t === 'number') {
        for (const m of nodes) if (m.layer === t) add(n.name, m.name, 'output-to')
      } else add(n.name, t, 'output-to')
    }
    if (n['default-route']) add(n.name, n['default-route'], 'default-route')
  }
  return { nodes: out, edges, columns: Math.max(0, ...out.map((n) => n.column)) + 1 }
}
