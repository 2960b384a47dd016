/**
 * @module Where a node's answer goes next: conditions filter the candidates; one passing candidate
 * is taken without a model call; several are chosen by the node's own model (the routing prompt
 * and answer parsing are in routing.ts), with one retry, then `default-route`, else `no_route`.
 */
import { conditionHolds, type Variables } from '../../../shared/config/conditions'
import type { ArchitectureNode } from '../../../shared/config/schema'
import { isTerminal } from '../../../shared/config/topology'
import type { Usage } from '../../../shared/openai/chat'
import type { CancelSignal } from '../cancel'
import { AppError } from '../errors'
import type { CompiledPipeline, ProviderResolver } from './ports'
import { laterRoutingText, parseRouteAnswer, routingMessages } from './routing'
import { nodeFailure } from './node-failure'
import { providerForNode } from './redacting-provider'
import { addUsage, type DecisionSource, hopTokens, type HopTrace, ZERO_USAGE } from './trace'

/** What a routing decision reads from, and records into, the run it belongs to. */
export interface RouteContext {
  readonly pipeline: CompiledPipeline
  readonly providers: ProviderResolver
  readonly signal: CancelSignal
  readonly hops: HopTrace[]
  /** The user's text, after the entry's pre hooks. */
  readonly question: string
  variables(from: ArchitectureNode, content: string): Variables
  /** The decision becomes $ROUTE_DECISION for later conditions and hooks. */
  decided(node: string): void
  /** Adds a routing call's usage to the request's. */
  addUsage(usage: Usage | undefined): void
}

export interface Choice {
  node: ArchitectureNode
  /** Terminal nodes that receive the answer when the choice ends the pipeline. */
  terminals: readonly ArchitectureNode[]
}

/** A candidate whose condition failed, for the trace. */
type Filtered = { node: string; condition: string }

const hasCondition = (node: ArchitectureNode): boolean => node.if !== undefined

// The answer is a name (or `{"route":"name"}` from a JSON-schema backend): a few tokens.
const ROUTER_PARAMS = { temperature: 0, max_tokens: 64 }

/**
 * Conditions filter; one candidate is taken; several are chosen by `from`'s model. Synchronous
 * unless a model has to choose (no promise on the common path).
 */
export function chooseNext(
  ctx: RouteContext,
  from: ArchitectureNode,
  content: string
): Choice | Promise<Choice> {
  const started = Date.now()
  const all = ctx.pipeline.topology.targetsOf(from).nodes
  // Without conditions every candidate passes: the topology's own list, not a copy per request.
  let passing: readonly ArchitectureNode[] = all
  const filtered: Filtered[] = []
  if (all.some(hasCondition)) {
    const kept: ArchitectureNode[] = []
    // Variables are only computed when some candidate has a condition to evaluate.
    let vars: Variables | undefined
    for (const c of all) {
      if (c.if === undefined || conditionHolds(c.if, (vars ??= ctx.variables(from, content))))
        kept.push(c)
      else filtered.push({ node: c.name, condition: c.if })
    }
    passing = kept
  }
  if (passing.length === 0) {
    const fallback = defaultRoute(ctx, from)
    if (fallback)
      return record(ctx, from, all, passing, filtered, started, fallback, 'default-route')
    const why = filtered.map((f) => `"${f.node}" (if ${f.condition})`).join(', ')
    throw new AppError(
      'no_route',
      `no route from node "${from.name}": every candidate's condition failed: ${why}`
    )
  }
  const only = passing[0]
  if (passing.length === 1 && only)
    return record(ctx, from, all, passing, filtered, started, only, 'single-candidate')
  const firstTerminal = passing.find(isTerminal)
  if (passing.every(isTerminal) && firstTerminal)
    return record(ctx, from, all, passing, filtered, started, firstTerminal, 'terminal')
  return routeWithModel(ctx, from, passing, content, filtered, started).then((picked) =>
    record(ctx, from, all, passing, filtered, started, picked, 'model')
  )
}

/**
 * The decision as the run's $ROUTE_DECISION and, unless a model made it (routeWithModel records
 * that hop with its call), as a route hop of the trace. A plain function, not a closure per
 * request: this is every request's path.
 */
function record(
  ctx: RouteContext,
  from: ArchitectureNode,
  all: readonly ArchitectureNode[],
  passing: readonly ArchitectureNode[],
  filtered: Filtered[],
  started: number,
  decision: ArchitectureNode,
  source: DecisionSource
): Choice {
  ctx.decided(decision.name)
  if (source !== 'model') {
    ctx.hops.push({
      node: from.name,
      action: 'route',
      candidates: all.map((c) => c.name),
      filtered: filtered.length > 0 ? filtered : undefined,
      decision: decision.name,
      decisionSource: source,
      startedAt: started,
      durationMs: Date.now() - started
    })
  }
  if (!isTerminal(decision)) return { node: decision, terminals: [decision] }
  const terminals = passing.every(isTerminal) ? passing : passing.filter(isTerminal)
  return { node: decision, terminals: terminals.length > 0 ? terminals : [decision] }
}

function defaultRoute(ctx: RouteContext, from: ArchitectureNode): ArchitectureNode | undefined {
  const name = from['default-route']
  return name ? ctx.pipeline.topology.nodes.get(name) : undefined
}

async function routeWithModel(
  ctx: RouteContext,
  from: ArchitectureNode,
  candidates: readonly ArchitectureNode[],
  content: string,
  filtered: Filtered[],
  started: number
): Promise<ArchitectureNode> {
  const { provider, model } = providerForNode(ctx.providers, ctx.pipeline, from)
  const names = candidates.map((c) => c.name)
  const text =
    from === ctx.pipeline.topology.entry ? content : laterRoutingText(ctx.question, content)
  const messages = routingMessages(candidates, text)
  const rawAnswers: string[] = []
  let usage: Usage = ZERO_USAGE
  let constrained = false
  let tokens: HopTrace['tokens']
  let loadMs = 0
  let pick: string | undefined
  for (let attempt = 0; attempt < 2 && !pick; attempt++) {
    const res = await provider
      .chat(
        { model, messages, params: ROUTER_PARAMS, choice: { options: names } },
        { signal: ctx.signal }
      )
      .catch((err: unknown) => nodeFailure(err, from.name, model))
    usage = addUsage(usage, res.usage)
    const t = hopTokens(res.usage)
    if (t) {
      tokens = {
        evaluated: (tokens?.evaluated ?? 0) + t.evaluated,
        cached: (tokens?.cached ?? 0) + t.cached,
        generated: (tokens?.generated ?? 0) + t.generated
      }
    }
    loadMs += res.loadMs ?? 0
    constrained = res.constrained ?? false
    rawAnswers.push(res.content ?? '')
    pick = parseRouteAnswer(res.content ?? '', names)
  }
  ctx.addUsage(usage)
  let source: DecisionSource = 'model'
  let node = candidates.find((c) => c.name === pick)
  if (!node) {
    node = defaultRoute(ctx, from)
    source = 'default-route'
  }
  ctx.hops.push({
    node: from.name,
    action: 'route',
    model,
    provider: provider.id,
    candidates: names,
    filtered: filtered.length > 0 ? filtered : undefined,
    decision: node?.name,
    decisionSource: source,
    rawAnswers,
    constrained,
    startedAt: started,
    durationMs: Date.now() - started,
    usage,
    tokens,
    loadMs: loadMs > 0 ? loadMs : undefined,
    error: node ? undefined : 'the router named no candidate'
  })
  if (!node) {
    throw new AppError(
      'no_route',
      `router "${from.name}" named none of ${names.map((n) => `"${n}"`).join(', ')} after 2 attempts (last answer: ${JSON.stringify(rawAnswers.at(-1)?.slice(0, 200))})`
    )
  }
  return node
}
