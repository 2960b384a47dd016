/**
 * @module The composition as a graph (React Flow): layers are columns, edges are `output-to`
 * labelled with the target's `if`, and a request's route is highlighted. The graph is one tab
 * stop (its nodes and edges are not focusable); the route and the clicked node's details are
 * also given as text below it.
 */
import { useEffect, useMemo, useState } from 'react'
import { Background, ReactFlow, type Node, type ReactFlowInstance } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import type { LooseComposition } from '../lib/composition'
import { INPUT_NODE, layoutComposition } from '../lib/graph-layout'
import { flowElements, NodeDetail } from './PipelineGraphParts'

/**
 * Refits the view whenever the graph or its route changes (another pipeline, a new answer) and
 * when the box changes size, so every node, the routed one included, is in view.
 */
function useFitView(
  flow: ReactFlowInstance | null,
  box: HTMLDivElement | null,
  nodes: readonly Node[]
): void {
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
  const { nodes, edges } = useMemo(() => flowElements(layout), [layout])
  const [box, setBox] = useState<HTMLDivElement | null>(null)
  const [flow, setFlow] = useState<ReactFlowInstance | null>(null)
  useFitView(flow, box, nodes)

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
