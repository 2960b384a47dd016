/**
 * @module The composition as a graph (React Flow): layers are columns, edges are `output-to`
 * labelled with the target's `if`, and a request's route is highlighted.
 */
import { useMemo } from 'react'
import { Background, Controls, MarkerType, ReactFlow, type Edge, type Node } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import type { LooseComposition } from '../lib/composition'
import { layoutComposition } from '../lib/graph-layout'

const COLUMN_WIDTH = 210
const ROW_HEIGHT = 96

/** Draws the graph; `route` (node names) is highlighted. */
export function PipelineGraph(props: {
  composition: LooseComposition | null
  route?: readonly string[]
  height?: number
}): React.JSX.Element {
  const { nodes, edges } = useMemo(() => {
    if (!props.composition) return { nodes: [] as Node[], edges: [] as Edge[] }
    const layout = layoutComposition(props.composition, props.route ?? [])
    const nodes: Node[] = layout.nodes.map((n) => ({
      id: n.id,
      position: { x: n.column * COLUMN_WIDTH, y: n.row * ROW_HEIGHT },
      data: {
        label: (
          <div className="graph-node-label">
            <strong>{n.label}</strong>
            {n.model && <span className="muted">{n.model}</span>}
          </div>
        )
      },
      className: `graph-node ${n.kind}${n.onRoute ? ' on-route' : ''}`,
      sourcePosition: 'right' as Node['sourcePosition'],
      targetPosition: 'left' as Node['targetPosition'],
      draggable: false,
      connectable: false,
      ariaLabel: `${n.label}${n.onRoute ? ' (on the route)' : ''}`
    }))
    const edges: Edge[] = layout.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      label: e.label,
      animated: e.onRoute,
      className: `graph-edge ${e.kind}${e.onRoute ? ' on-route' : ''}`,
      markerEnd: { type: MarkerType.ArrowClosed },
      style: e.kind === 'default-route' ? { strokeDasharray: '5 4' } : undefined
    }))
    return { nodes, edges }
  }, [props.composition, props.route])

  if (!props.composition) return <p className="muted">The graph appears when the text parses.</p>
  return (
    <div
      className="graph"
      style={{ height: props.height ?? 320 }}
      data-testid="pipeline-graph"
      data-route={(props.route ?? []).join(',')}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        nodesDraggable={false}
        nodesConnectable={false}
        proOptions={{ hideAttribution: true }}
        minZoom={0.3}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  )
}
