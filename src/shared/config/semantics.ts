/**
 * @module The rules a schema cannot express: references between sections, the shape of the
 * graph, conditions and secrets. Every rule reports and moves on, so one run lists everything.
 */
import { compileCondition } from './conditions'
import { formatPath } from './diagnostics'
import { checkModelParameters } from './model-parameters'
import { checkNodeOptions } from './node-options'
import { checkShellSafety } from './shell-safety'
import { ADAPTERS, type ArchitectureNode, type Composition, type ModelDefinition } from './schema'
import type { JsonPath } from './source'
import { didYouMean } from './suggest'
import { analyzeTopology, findCycles, nodeKind, type Topology } from './topology'
import type { Reporter } from './reporter'
import { HOOK_VARIABLES, ROUTING_VARIABLES } from './variables'

export interface SemanticContext {
  /** `section:name` of entries dropped for schema errors, so references to them don't cascade. */
  removed: ReadonlySet<string>
  /** `--strict`: warnings about shell functions become errors. */
  strict?: boolean
}

/** Hop limit used when the composition does not set `max-hops`. */
export const DEFAULT_MAX_HOPS = 10

/**
 * Runs every rule family in a fixed order (the order of the messages): duplicate names, the entry
 * and output nodes, each node in turn, cycles, secret references, model parameters, node options
 * and shell safety.
 */
export function checkSemantics(c: Composition, r: Reporter, ctx: SemanticContext): void {
  const topo = analyzeTopology(c)
  const nodeNames = c.architecture.map((n) => n.name)
  const knows = (section: string, name: string, present: boolean): boolean =>
    present || ctx.removed.has(`${section}:${name}`)
  const nodePath = (node: ArchitectureNode): JsonPath => [
    'architecture',
    c.architecture.indexOf(node)
  ]

  checkDuplicates(c, r)
  // A node dropped for a schema error may be the entry or the output: don't report its absence.
  const nodesDropped = [...ctx.removed].some((k) => k.startsWith('node:'))
  if (!nodesDropped) checkEntryAndOutput(c, r, topo, nodePath)

  const headerVars = headerVariables(c)
  const rules: NodeRules = { c, r, topo, headerVars, knows, nodeNames }
  c.architecture.forEach((node, i) => {
    const base: JsonPath = ['architecture', i]
    checkNodeReferences(node, base, rules)
    checkNodeConditions(node, base, rules)
    checkNodeReach(node, base, rules)
  })

  checkCycles(c, r, topo, nodePath)
  checkSecretReferences(c, r)
  checkModelParameters(c, r)
  checkNodeOptions(c, r, ctx.strict ?? false)
  checkShellSafety(c, r, { headerVars, strict: ctx.strict ?? false })
}

/** What the per-node rules read. */
interface NodeRules {
  c: Composition
  r: Reporter
  topo: Topology
  /** Variables set from request headers (`extra-options.UseHeaderKeys` of any node). */
  headerVars: ReadonlySet<string>
  /** Whether `name` is defined in `section`, or was dropped for a schema error. */
  knows: (section: string, name: string, present: boolean) => boolean
  nodeNames: readonly string[]
}

/** Every node's `extra-options.UseHeaderKeys`: conditions may test these variables. */
function headerVariables(c: Composition): Set<string> {
  const headerVars = new Set<string>()
  for (const node of c.architecture) {
    for (const key of node['extra-options']?.UseHeaderKeys ?? []) headerVars.add(key)
  }
  return headerVars
}

/** A node's references: its adapter, its model, its `output-to` targets and `default-route`. */
function checkNodeReferences(node: ArchitectureNode, base: JsonPath, rules: NodeRules): void {
  const { c, r, topo, knows, nodeNames } = rules
  if (!(ADAPTERS as readonly string[]).includes(node.adapter)) {
    const hint = didYouMean(node.adapter, ADAPTERS)
    r.error(
      'unknown-adapter',
      [...base, 'adapter'],
      `node "${node.name}": unknown adapter "${node.adapter}"; expected one of: ${ADAPTERS.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`
    )
  }
  if (
    node.model !== undefined &&
    !knows('models', node.model, Object.hasOwn(c.models, node.model))
  ) {
    const hint = didYouMean(node.model, Object.keys(c.models))
    r.error(
      'undefined-model',
      [...base, 'model'],
      `model "${node.model}" referenced by node "${node.name}" is not defined in models${hint ? ` (did you mean "${hint}"?)` : ''}`
    )
  }
  checkTargets(node, base, topo, r, (name) => knows('node', name, nodeNames.includes(name)))
  if (node['default-route'] !== undefined && !topo.nodes.has(node['default-route'])) {
    r.error(
      'undefined-target',
      [...base, 'default-route'],
      `default-route "${node['default-route']}" is not a node`
    )
  }
}

/** A node's routing condition, then each hook's function and condition, in document order. */
function checkNodeConditions(node: ArchitectureNode, base: JsonPath, rules: NodeRules): void {
  const { c, r, headerVars, knows } = rules
  if (node.if !== undefined) {
    checkCondition(node.if, [...base, 'if'], ROUTING_VARIABLES, headerVars, r)
  }
  for (const phase of ['pre', 'post'] as const) {
    node.hooks?.[phase].forEach((hook, j) => {
      const hookPath: JsonPath = [...base, 'hooks', phase, j]
      if (!knows('functions', hook.function, Object.hasOwn(c.functions, hook.function))) {
        const hint = didYouMean(hook.function, Object.keys(c.functions))
        r.error(
          'undefined-function',
          [...hookPath, 'function'],
          `function "${hook.function}" referenced by a ${phase} hook of node "${node.name}" is not defined in functions${hint ? ` (did you mean "${hint}"?)` : ''}`
        )
      }
      if (hook.if !== undefined)
        checkCondition(hook.if, [...hookPath, 'if'], HOOK_VARIABLES, headerVars, r)
    })
  }
}

/** What a node needs to answer: a ws node its url, a reachable llm node its output and model. */
function checkNodeReach(node: ArchitectureNode, base: JsonPath, rules: NodeRules): void {
  const { r, topo } = rules
  const kind = nodeKind(node)
  if (kind === 'ws' && !node.url) {
    r.error('ws-without-url', base, `ws node "${node.name}" needs a "url" (ws:// or wss://)`)
  }
  const reachable = topo.reachable.has(node.name)
  if (kind === 'llm' && reachable) checkReachableLlm(node, base, rules)
  const entry = topo.entries[0]
  if (!reachable && entry && !topo.taps.includes(node)) {
    r.warn(
      'unreachable-node',
      base,
      `node "${node.name}" is not reachable from the entry node "${entry.name}"`
    )
  }
}

/** A reachable llm node passes its answer on and has a model with something to call. */
function checkReachableLlm(node: ArchitectureNode, base: JsonPath, rules: NodeRules): void {
  const { c, r } = rules
  if (node['output-to'] === undefined || node['output-to'].length === 0) {
    r.error(
      'missing-output-to',
      base,
      `node "${node.name}" can be reached but has no "output-to": requests would stop there`
    )
  }
  if (node.model === undefined && node['extra-options']?.model_override === undefined) {
    r.warn(
      'node-without-model',
      base,
      `node "${node.name}" can be reached but has no model: requests that reach it will fail`
    )
  } else if (node.model !== undefined) {
    const model = c.models[node.model]
    if (model && !hasEndpoint(model)) {
      r.warn(
        'model-without-endpoint',
        ['models', node.model],
        `model "${node.model}" (used by "${node.name}") has no url, endpoint or local source to call`
      )
    }
  }
}

/** Cycles without a `$HOP_COUNT` test in any of their nodes' conditions. */
function checkCycles(
  c: Composition,
  r: Reporter,
  topo: Topology,
  nodePath: (n: ArchitectureNode) => JsonPath
): void {
  for (const cycle of findCycles(topo)) {
    const guarded = cycle.some((name) => /\bHOP_COUNT\b/.test(topo.nodes.get(name)?.if ?? ''))
    if (!guarded) {
      const first = topo.nodes.get(cycle[0] ?? '')
      r.warn(
        'unguarded-cycle',
        first ? [...nodePath(first), 'output-to'] : ['architecture'],
        `cycle ${cycle.join(' → ')} has no $HOP_COUNT guard: requests that enter it stop at the hop limit (${c['max-hops'] ?? DEFAULT_MAX_HOPS})`
      )
    }
  }
}

function checkDuplicates(c: Composition, r: Reporter): void {
  const seen = new Set<string>()
  c.architecture.forEach((node, i) => {
    if (seen.has(node.name)) {
      r.error('duplicate-node', ['architecture', i, 'name'], `duplicate node name "${node.name}"`)
    }
    seen.add(node.name)
  })
}

function checkEntryAndOutput(
  c: Composition,
  r: Reporter,
  topo: Topology,
  nodePath: (n: ArchitectureNode) => JsonPath
): void {
  if (topo.entries.length === 0) {
    r.error(
      'no-entry',
      ['architecture'],
      'no router node (layer 0) found: exactly one node that is not an output or ws node must be at layer 0'
    )
  } else if (topo.entries.length > 1) {
    const names = topo.entries.map((n) => n.name).join(', ')
    for (const extra of topo.entries.slice(1)) {
      const at = extra.layer === undefined ? nodePath(extra) : [...nodePath(extra), 'layer']
      r.error(
        'multiple-entries',
        at,
        `more than one entry node at layer 0 (${names}): a pipeline has exactly one; give "${extra.name}" a layer of 1 or more${extra.layer === undefined ? ' (a node without "layer" is at layer 0)' : ''}`
      )
    }
  }
  if (!c.architecture.some((n) => nodeKind(n) === 'output')) {
    r.error(
      'no-output',
      ['architecture'],
      'no output node found: add a node with "adapter": "output"'
    )
  }
}

function checkTargets(
  node: ArchitectureNode,
  base: JsonPath,
  topo: Topology,
  r: Reporter,
  nodeKnown: (name: string) => boolean
): void {
  for (const { index, target } of topo.targetsOf(node).unresolved) {
    const path = [...base, 'output-to', index]
    if (typeof target === 'number') {
      r.error(
        'empty-layer-target',
        path,
        `node "${node.name}" targets layer ${target}, which has no nodes`
      )
    } else if (!nodeKnown(target)) {
      const hint = didYouMean(target, [...topo.nodes.keys()])
      r.error(
        'undefined-target',
        path,
        `node "${target}" referenced in output-to of "${node.name}" is not defined${hint ? ` (did you mean "${hint}"?)` : ''}`
      )
    }
  }
  if (nodeKind(node) !== 'llm' && node['output-to']?.length) {
    r.warn(
      'ignored-output-to',
      [...base, 'output-to'],
      `output-to of ${node.adapter} node "${node.name}" is ignored: the pipeline ends there`
    )
  }
}

function checkCondition(
  text: string,
  path: JsonPath,
  known: readonly string[],
  headerVars: ReadonlySet<string>,
  r: Reporter
): void {
  const compiled = compileCondition(text)
  if (!compiled.ok) {
    r.error(
      'condition-syntax',
      path,
      `condition ${JSON.stringify(text)}: ${compiled.error.message} at column ${compiled.error.column}`,
      { inner: compiled.error.column - 1 }
    )
    return
  }
  for (const v of compiled.variables) {
    const head = v.name.split('.')[0] ?? v.name
    if (known.includes(head) || headerVars.has(head) || head === 'secrets') continue
    const hint = didYouMean(head, [...known, ...headerVars])
    r.warn(
      'unknown-variable',
      path,
      `$${v.name} in ${formatPath(path)} is never set, so that test is false${hint ? ` (did you mean $${hint}?)` : ''}; request-header variables must be listed in extra-options.UseHeaderKeys`,
      { inner: v.column - 1 }
    )
  }
}

/** Whether the engine has something to call for this model. */
export function hasEndpoint(model: ModelDefinition): boolean {
  switch (model.type) {
    case 'external':
      return Boolean(model.url)
    case 'docker':
    case 'huggingface':
      return true
    default: {
      const runner = model.runner ?? model.type ?? 'external'
      return runner !== 'external' || Boolean(model.url ?? model.endpoint)
    }
  }
}

const SECRET_REF = /\$\{?secrets\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)\}?/g

/** Every `$secrets.NAME.VAR` in models, functions and nodes must name a defined source. */
function checkSecretReferences(c: Composition, r: Reporter): void {
  const visit = (value: unknown, path: JsonPath): void => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(SECRET_REF)) {
        const [, name = '', variable = ''] = m
        const source = c.secrets[name]
        if (!source) {
          const hint = didYouMean(name, Object.keys(c.secrets))
          r.error(
            'undefined-secret',
            path,
            `$secrets.${name}.${variable} refers to secret source "${name}", which is not defined in secrets${hint ? ` (did you mean "${hint}"?)` : ''}`,
            { inner: m.index }
          )
          continue
        }
        const provided =
          source.source === 'env'
            ? [source.variable]
            : source.variables.length > 0
              ? source.variables
              : undefined
        if (provided && !provided.includes(variable)) {
          r.error(
            'undefined-secret',
            path,
            `$secrets.${name}.${variable}: secret source "${name}" provides only ${provided.join(', ')}`,
            { inner: m.index }
          )
        }
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...path, i]))
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, [...path, k])
    }
  }
  visit(c.models, ['models'])
  visit(c.functions, ['functions'])
  visit(c.architecture, ['architecture'])
}
