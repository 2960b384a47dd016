/**
 * @module `llmnet run --dry-run`: the topology a terminal reader needs to predict what a request
 * will do: layers, nodes and their roles, edges with conditions, use-cases, and models.
 * Secrets are shown by name only.
 */
import { describeModel, upstreamModelName } from '../../shared/config/models'
import type { ArchitectureNode, Composition, Hook } from '../../shared/config/schema'
import {
  analyzeTopology,
  effectiveLayer,
  isTerminal,
  nodeKind,
  type Topology
} from '../../shared/config/topology'
import type { Style } from './style'

export function describeRole(node: ArchitectureNode, topo: Topology): string {
  const kind = nodeKind(node)
  if (kind === 'output') return 'output: returns the answer'
  if (kind === 'ws') {
    const tap = topo.taps.includes(node) ? ' when its condition holds' : ''
    return `ws output: sends the answer to ${node.url ?? '(no url)'}${tap}`
  }
  const targets = topo.targetsOf(node).nodes
  if (node === topo.entry) {
    if (targets.length > 1) return `router: its model picks one of ${targets.length} by use-case`
    const only = targets[0]
    if (only && isTerminal(only)) return 'answers the request itself (1-0-1)'
    return only ? `passes the request to ${only.name} (no model call)` : 'entry with no targets'
  }
  return targets.length > 1
    ? `answers, then its model picks the next of ${targets.length}`
    : 'answers'
}

function hookLine(phase: string, hook: Hook): string {
  const cond = hook.if ? ` if ${hook.if}` : ''
  return `${phase} ${hook.mode} → ${hook.function} (on failure: ${hook.on_failure})${cond}`
}

export function formatDryRun(
  c: Composition,
  meta: { id: string; path: string },
  style: Style
): string {
  const topo = analyzeTopology(c)
  const out: string[] = []
  const line = (s = ''): void => {
    out.push(s)
  }
  line(`${style.bold(`Pipeline ${meta.id}`)} ${style.dim(`(${meta.path})`)}`)
  if (c.description) line(`  ${c.description}`)
  line(`  served as model "${meta.id}"; hop limit ${c['max-hops'] ?? 10}`)
  line()

  line(style.bold(`Models (${Object.keys(c.models).length})`))
  for (const [name, model] of Object.entries(c.models)) {
    const info = describeModel(model)
    const parts: string[] = [info.runner]
    if (info.baseUrl) parts.push(info.baseUrl)
    if (info.source) parts.push(`source ${info.source}`)
    if (info.apiKey) parts.push('api-key set')
    line(`  ${style.cyan(name)}  ${parts.join('  ')}`)
  }
  line()

  line(style.bold('Layers'))
  for (const [layer, nodes] of topo.layers) {
    const llm = nodes.filter((n) => nodeKind(n) === 'llm')
    if (llm.length === 0) continue
    line(`  Layer ${layer}`)
    for (const node of llm) formatNode(node, c, topo, style).forEach((l) => line(l))
  }
  const terminal = c.architecture.filter((n) => nodeKind(n) !== 'llm')
  if (terminal.length > 0) line('  Output')
  for (const node of terminal) formatNode(node, c, topo, style).forEach((l) => line(l))
  line()

  line(style.bold('Edges'))
  if (topo.edges.length === 0) line('  (none)')
  for (const e of topo.edges) {
    const target = topo.nodes.get(e.to)
    const cond = target?.if ? `  if ${target.if}` : ''
    const via = typeof e.via === 'number' ? `  (via layer ${e.via})` : ''
    line(`  ${e.from} → ${e.to}${via}${cond}`)
  }
  for (const tap of topo.taps)
    line(`  (end of request) → ${tap.name}${tap.if ? `  if ${tap.if}` : ''}`)

  const fns = Object.entries(c.functions)
  const secrets = Object.entries(c.secrets)
  if (fns.length > 0 || secrets.length > 0) line()
  if (fns.length > 0) {
    line(style.bold('Functions'))
    for (const [name, fn] of fns) line(`  ${name}  ${fn.type}`)
  }
  if (secrets.length > 0) {
    line(style.bold('Secrets'))
    for (const [name, s] of secrets) line(`  ${name}  from ${s.source}`)
  }
  return `${out.join('\n')}\n`
}

function formatNode(
  node: ArchitectureNode,
  c: Composition,
  topo: Topology,
  style: Style
): string[] {
  const lines: string[] = []
  const unreachable = !topo.reachable.has(node.name) && !topo.taps.includes(node)
  const marker = nodeKind(node) === 'llm' ? '●' : '■'
  const tag = unreachable ? style.yellow(' (unreachable)') : ''
  lines.push(`    ${marker} ${style.bold(node.name)}${tag}  ${style.dim(describeRole(node, topo))}`)
  const detail = (label: string, value: string): void => {
    lines.push(`        ${style.dim(`${label}:`)} ${value}`)
  }
  if (nodeKind(node) === 'llm') {
    const model = node.model ? c.models[node.model] : undefined
    const sends = upstreamModelName(node, model)
    detail('model', node.model ? `${node.model} (sends "${sends}")` : `none (sends "${sends}")`)
  }
  if (node['use-case']) detail('use-case', node['use-case'])
  if (node.if) detail('if', node.if)
  if (node.context) detail('context', truncate(node.context, 100))
  if (node['default-route']) detail('default-route', node['default-route'])
  for (const hook of node.hooks?.pre ?? []) detail('hook', hookLine('pre', hook))
  for (const hook of node.hooks?.post ?? []) detail('hook', hookLine('post', hook))
  if (nodeKind(node) === 'llm') {
    const targets = topo.targetsOf(node).nodes
    const raw = JSON.stringify(node['output-to'] ?? [])
    detail(
      'next',
      `${targets.map((t) => t.name).join(', ') || '(none)'}  ${style.dim(`output-to ${raw}`)}`
    )
  }
  if (effectiveLayer(node) !== 0 && nodeKind(node) !== 'llm')
    detail('layer', String(effectiveLayer(node)))
  return lines
}

/** Truncates by characters (never inside a multi-byte character, unlike the Rust llmnet). */
export function truncate(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ')]
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`
}
