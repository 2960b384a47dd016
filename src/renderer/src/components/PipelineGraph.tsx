/**
 * @module The composition as a graph (React Flow): layers are columns, edges are `output-to`
 * labelled with the target's `if`, and a request's route is highlighted.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import {
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  type Edge,
  type Node,
  type ReactFlowInstance
} from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import type { LooseComposition } from '../lib/composition'
import { layoutComposition } from '../lib/graph-layout'

const COLUMN_WIDTH = 200
const ROW_HEIGHT = 110

/** Long conditions are cut on the edge; the node shows more and its tooltip all of it. */
const short = (text: string | undefined, max: number): string | undefined =>
  text && text.length > max ? `${text.slice(0, max - 1)}…` : text

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
      ariaLabel: `${n.label}${n.onRoute ? ' (on the route)' : ''}`
    }))
    const edges: Edge[] = layout.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      label: short(e.label, 24),
      animated: e.onRoute,
      className: `graph-edge ${e.kind}${e.onRoute ? ' on-route' : ''}`,
      markerEnd: { type: MarkerType.ArrowClosed },
      style: e.kind === 'default-route' ? { strokeDasharray: '5 4' } : undefined
    }))
    return { nodes, edges }
  }, [props.composition, props.route])

  // Refit when the box changes size (a side-by-side view opens, the window is resized).
  const box = useRef<HTMLDivElement>(null)
  const [flow, setFlow] = useState<ReactFlowInstance | null>(null)
  useEffect(() => {
    const el = box.current
    if (!el || !flow) return
    const observer = new ResizeObserver(() => void flow.fitView())
    observer.observe(el)
    return () => observer.disconnect()
  }, [flow])

  if (!props.composition) return <p className="muted">The graph appears when the text parses.</p>
  return (
    <div
      className="graph"
      ref={box}
      style={{ height: props.height ?? 320 }}
      data-testid="pipeline-graph"
      data-route={(props.route ?? []).join(',')}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        onInit={setFlow}
        colorMode="system"
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
