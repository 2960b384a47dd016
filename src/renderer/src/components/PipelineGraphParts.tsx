/**
 * @module The pieces of the pipeline graph (PipelineGraph.tsx): the React Flow nodes and edges
 * built from a layout, and the panel that details a clicked node. Loaded with the graph's chunk.
 */
import { MarkerType, type Edge, type Node } from '@xyflow/react'
import type { GraphLayout, GraphNode } from '../lib/graph-layout'

const COLUMN_WIDTH = 200
const ROW_HEIGHT = 110

/** Long conditions are cut on the edge; the node shows more and its tooltip all of it. */
const short = (text: string | undefined, max: number): string | undefined =>
  text && text.length > max ? `${text.slice(0, max - 1)}…` : text

/** A layout as React Flow nodes and edges (none of them draggable, connectable or focusable). */
export function flowElements(layout: GraphLayout | null): { nodes: Node[]; edges: Edge[] } {
  if (!layout) return { nodes: [], edges: [] }
  const nodes: Node[] = layout.nodes.map((n) => ({
    id: n.id,
    position: { x: n.column * COLUMN_WIDTH, y: n.row * ROW_HEIGHT },
    data: {
      label: (
        <div className="graph-node-label" title={n.useCase}>
          <strong>{n.label}</strong>
          {n.model && <span className="muted">{n.model}</span>}
          {n.useCase && <span className="graph-usecase">{short(n.useCase, 48)}</span>}
          {n.condition && (
            <span className="graph-if" title={n.condition}>
              if {short(n.condition, 40)}
            </span>
          )}
        </div>
      )
    },
    className: `graph-node ${n.kind}${n.onRoute ? ' on-route' : ''}`,
    sourcePosition: 'right' as Node['sourcePosition'],
    targetPosition: 'left' as Node['targetPosition'],
    draggable: false,
    connectable: false,
    focusable: false
  }))
  const edges: Edge[] = layout.edges.map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    label: short(e.label, 24),
    animated: e.onRoute,
    focusable: false,
    className: `graph-edge ${e.kind}${e.onRoute ? ' on-route' : ''}`,
    markerEnd: { type: MarkerType.ArrowClosed },
    style: e.kind === 'default-route' ? { strokeDasharray: '5 4' } : undefined
  }))
  return { nodes, edges }
}

/** What a clicked node is: its model, adapter, use-case and condition. */
export function NodeDetail(props: { node: GraphNode; onClose: () => void }): React.JSX.Element {
  const n = props.node
  return (
    <div
      className="node-detail"
      data-testid="node-detail"
      role="region"
      aria-label={`Node ${n.label}`}
    >
      <div className="row">
        <strong className="grow">{n.label}</strong>
        <button className="ghost" onClick={props.onClose} aria-label="Close the node details">
          ×
        </button>
      </div>
      <dl>
        {n.model && (
          <>
            <dt className="muted">Model</dt>
            <dd>{n.model}</dd>
          </>
        )}
        {n.adapter && (
          <>
            <dt className="muted">Adapter</dt>
            <dd>{n.adapter}</dd>
          </>
        )}
        {n.useCase && (
          <>
            <dt className="muted">Use-case</dt>
            <dd data-testid="node-use-case">{n.useCase}</dd>
          </>
        )}
        {n.condition && (
          <>
            <dt className="muted">Condition</dt>
            <dd>
              <code>{n.condition}</code>
            </dd>
          </>
        )}
        <dt className="muted">On the route</dt>
        <dd>{n.onRoute ? 'yes' : 'no'}</dd>
      </dl>
    </div>
  )
}
