/**
 * @module The composition as a graph (React Flow): layers are columns, edges are `output-to`
 * labelled with the target's `if`, and a request's route is highlighted. The graph is one tab
 * stop (its nodes and edges are not focusable); the route and the clicked node's details are
 * also given as text below it.
 */
import { useEffect, useMemo, useState } from 'react'
import {
  Background,
  MarkerType,
  ReactFlow,
  type Edge,
  type Node,
  type ReactFlowInstance
} from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import type { LooseComposition } from '../lib/composition'
import { INPUT_NODE, layoutComposition, type GraphNode } from '../lib/graph-layout'

const COLUMN_WIDTH = 200
const ROW_HEIGHT = 110

/** Long conditions are cut on the edge; the node shows more and its tooltip all of it. */
const short = (text: string | undefined, max: number): string | undefined =>
  text && text.length > max ? `${text.slice(0, max - 1)}…` : text

/** What a clicked node is: its model, adapter, use-case and condition. */
function NodeDetail(props: { node: GraphNode; onClose: () => void }): React.JSX.Element {
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

/** Draws the graph; `route` (node names) is highlighted. */
export function PipelineGraph(props: {
  composition: LooseComposition | null
  route?: readonly string[]
  height?: number
  /** Whether to write the route under the graph (off where a route table follows anyway). */
  routeText?: boolean
}): React.JSX.Element {
  const layout = useMemo(
    () => (props.composition ? layoutComposition(props.composition, props.route ?? []) : null),
    [props.composition, props.route]
  )
  const { nodes, edges } = useMemo(() => {
    if (!layout) return { nodes: [] as Node[], edges: [] as Edge[] }
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
  }, [layout])

  // Refit whenever the graph or its route changes (another pipeline, a new answer) and when the
  // box changes size, so every node, the routed one included, is in view.
  const [box, setBox] = useState<HTMLDivElement | null>(null)
  const [flow, setFlow] = useState<ReactFlowInstance | null>(null)
  useEffect(() => {
    if (!flow) return
    const frame = requestAnimationFrame(() => void flow.fitView({ padding: 0.12 }))
    return () => cancelAnimationFrame(frame)
  }, [flow, nodes])
  useEffect(() => {
    if (!box || !flow) return
    const observer = new ResizeObserver(() => void flow.fitView({ padding: 0.12 }))
    observer.observe(box)
    return () => observer.disconnect()
  }, [box, flow])

  const [picked, setPicked] = useState<string | null>(null)
  const pickedNode = layout?.nodes.find((n) => n.id === picked && n.id !== INPUT_NODE)

  if (!props.composition || !layout)
    return <p className="muted">The graph appears when the text parses.</p>
  const route = props.route ?? []
  const names = layout.nodes.filter((n) => n.id !== INPUT_NODE).map((n) => n.label)
  const description = `Pipeline graph of ${names.length} nodes: ${names.join(', ')}. ${
    route.length ? `Route: ${route.join(' → ')}.` : 'No route shown.'
  }`
  return (
    <div>
      <div
        className="graph graph-box"
        ref={setBox}
        style={{ height: props.height ?? 320 }}
        data-testid="pipeline-graph"
        data-route={route.join(',')}
        role="img"
        aria-label={description}
        tabIndex={0}
      >
        <ReactFlow
          nodes={nodes}
          edges={edges}
          fitView
          fitViewOptions={{ padding: 0.12 }}
          onInit={setFlow}
          onNodeClick={(_, node) => setPicked(node.id === picked ? null : node.id)}
          colorMode="system"
          nodesDraggable={false}
          nodesConnectable={false}
          nodesFocusable={false}
          edgesFocusable={false}
          elementsSelectable={false}
          disableKeyboardA11y
          proOptions={{ hideAttribution: true }}
          minZoom={0.3}
        >
          <Background />
        </ReactFlow>
      </div>
      <p className="graph-route-text muted" data-testid="graph-route-text">
        {route.length && props.routeText !== false ? (
          <>
            Route: <strong>{route.join(' → ')}</strong>
          </>
        ) : (
          'Click a node for its model and use-case.'
        )}
      </p>
      {pickedNode && <NodeDetail node={pickedNode} onClose={() => setPicked(null)} />}
    </div>
  )
}
