/**
 * @module The pipeline engine: runs one chat request through a compiled pipeline.
 *
 * - The entry (layer-0) node routes when more than one candidate passes its conditions, passes the
 *   request on without a model call when one does, and answers itself when its next node is an
 *   output node (the 1-0-1 proxy).
 * - Every other LLM node answers (its `context` is its system prompt), then its own model picks
 *   the next node when several candidates pass.
 * - The final answer streams end to end; intermediate answers are buffered.
 * The final answer goes into an EngineSink; failures are AppErrors; every run emits one Trace.
 */
import { conditionHolds, type Variables } from '../../../shared/config/conditions'
import type { ArchitectureNode } from '../../../shared/config/schema'
import { effectiveLayer, isTerminal, nodeKind } from '../../../shared/config/topology'
import { charLength, countWords, headerNamesForKey } from '../../../shared/config/variables'
import {
  type ChatCompletionRequest,
  type ChatMessage,
  FORWARDED_PARAMS,
  type Usage
} from '../../../shared/openai/chat'
import type { CancelSignal } from '../cancel'
import { StreamRedactor } from '../secrets/redact'
import { AppError } from '../errors'
import type { EventBus } from '../events'
import type { Provider, StreamDelta } from '../providers/provider'
import { type FunctionRunner, type ObserveQueue, runHooks } from './hooks'
import { answerMessages, lastUserText, type PreviousAnswer, withLastUserText } from './messages'
import type { CompiledPipeline } from './pipeline'
import { laterRoutingText, parseRouteAnswer, routingMessages } from './routing'
import { addUsage, type DecisionSource, type HopTrace, type Trace, ZERO_USAGE } from './trace'

/** Finds the provider and upstream model id for a node; throws AppError (e.g. model_not_ready). */
export interface ProviderResolver {
  forNode(pipeline: CompiledPipeline, node: ArchitectureNode): { provider: Provider; model: string }
}

export interface EngineDeps {
  providers: ProviderResolver
  events: EventBus
  /** Runs hook functions and ws outputs; required when a pipeline has hooks or ws nodes. */
  hooks?: { run: FunctionRunner; queue: ObserveQueue }
}

export interface RunInput {
  pipeline: CompiledPipeline
  request: ChatCompletionRequest
  requestId: string
  headers: Readonly<Record<string, string | string[] | undefined>>
  signal: CancelSignal
  stream: boolean
}

/** Where the final answer goes: `start` once with the route, then the deltas. */
export interface EngineSink {
  start(route: string[]): void | Promise<void>
  /** A returned promise (backpressure) is awaited before the engine reads on. */
  delta(delta: StreamDelta): void | Promise<void>
}

export interface EngineResult {
  finishReason: string | null
  usage: Usage
  route: string[]
  trace: Trace
}

interface Choice {
  node: ArchitectureNode
  /** Terminal nodes that receive the answer when the choice ends the pipeline. */
  terminals: ArchitectureNode[]
}

const ROUTER_PARAMS = { temperature: 0, max_tokens: 64 }

/**
 * Runs a request, writing the final answer into `sink`. Resolves when the answer is complete;
 * rejects with an AppError. Cancel with the input's signal.
 */
export async function runPipeline(
  deps: EngineDeps,
  input: RunInput,
  sink: EngineSink
): Promise<EngineResult> {
  const redact = input.pipeline.redact
  const secrets = input.pipeline.secretValues
  // With secrets loaded, the answer is redacted too (a hook or model could echo a secret).
  const guard = secrets.length > 0 ? new StreamRedactor(redact, secrets) : undefined
  const out: EngineSink = guard
    ? {
        start: (route) => sink.start(route),
        delta: (d) =>
          d.content ? sink.delta({ ...d, content: guard.push(d.content) }) : sink.delta(d)
      }
    : sink
  const run = new PipelineRun(deps, input, out)
  try {
    const result = await run.execute()
    const rest = guard?.flush()
    if (rest) await sink.delta({ content: rest })
    return result
  } catch (err) {
    let e = input.signal.aborted
      ? new AppError('client_closed', 'the client closed the request', { cause: err })
      : AppError.from(err)
    // Secret values never leave in an error message.
    const message = redact(e.message)
    if (message !== e.message) e = new AppError(e.code, message, { ...e.options })
    run.fail(e)
    throw e
  } finally {
    // The trace waits for this request's observe hooks, so their outcome is in it.
    const emit = (): void =>
      deps.events.emit('trace', redactTrace(run.trace(), redact, input.pipeline))
    if (run.pending.length === 0) emit()
    else void Promise.allSettled(run.pending).then(emit)
  }
}

function redactTrace(
  trace: Trace,
  redact: (s: string) => string,
  pipeline: CompiledPipeline
): Trace {
  if (pipeline.secretValues.length === 0) return trace
  for (const hop of trace.hops) {
    if (hop.error) hop.error = redact(hop.error)
    if (hop.rawAnswers) hop.rawAnswers = hop.rawAnswers.map(redact)
  }
  if (trace.error) trace.error = { ...trace.error, message: redact(trace.error.message) }
  return trace
}

class PipelineRun {
  private readonly started = Date.now()
  private readonly hops: HopTrace[] = []
  private readonly route: string[] = []
  private usage: Usage = ZERO_USAGE
  private error: Trace['error']
  private hopCount = 0
  private lastDecision: string | undefined
  private question: string
  private messages: ChatMessage[]
  private readonly headerVars: Record<string, string>
  /** Observe hooks and ws sends started by this request. */
  readonly pending: Promise<unknown>[] = []
  private readonly params: Record<string, unknown>

  constructor(
    private readonly deps: EngineDeps,
    private readonly input: RunInput,
    private readonly sink: EngineSink
  ) {
    this.question = lastUserText(input.request.messages)
    this.messages = input.request.messages
    this.headerVars = readHeaderVariables(input.pipeline.headerKeys, input.headers)
    this.params = {}
    const req = input.request as Record<string, unknown>
    for (const key of FORWARDED_PARAMS) {
      if (req[key] !== undefined && req[key] !== null) this.params[key] = req[key]
    }
  }

  fail(e: AppError): void {
    this.error = { code: e.code, message: e.message }
  }

  private finished: Trace | undefined

  /** The trace; computed once the run has ended (later calls return the same object). */
  trace(): Trace {
    this.finished ??= this.buildTrace()
    return this.finished
  }

  private buildTrace(): Trace {
    return {
      id: this.input.requestId,
      pipeline: this.input.pipeline.id,
      stream: this.input.stream,
      startedAt: this.started,
      durationMs: Date.now() - this.started,
      status: this.error ? 'error' : 'ok',
      error: this.error,
      route: [...this.route],
      hops: this.hops,
      usage: this.usage
    }
  }

  async execute(): Promise<EngineResult> {
    const { topology } = this.input.pipeline
    const entry = topology.entry
    if (!entry)
      throw new AppError('internal_error', `pipeline ${this.input.pipeline.id} has no entry node`)
    this.route.push(entry.name)

    // The entry's pre hooks run before it decides, on the user's text.
    if (hasHooks(entry, 'pre'))
      this.setQuestion(await this.hooks(entry, 'pre', this.question, undefined))
    const choice = this.chooseNext(entry, this.question)
    const first = choice instanceof Promise ? await choice : choice
    if (isTerminal(first.node)) {
      // The entry's next node ends the pipeline: the entry answers itself (1-0-1).
      return this.answerFinal(entry, undefined, first.terminals, this.question, undefined)
    }
    let current = await this.routerPostHooks(entry, first.node)
    let previous: PreviousAnswer | undefined
    let prevName = entry.name
    for (;;) {
      this.enter(current)
      // Pre hooks see the node's input: the user's text, or the previous node's answer.
      const input = await this.hooks(
        current,
        'pre',
        previous ? previous.text : this.question,
        prevName
      )
      if (previous) previous = { ...previous, text: input }
      else this.setQuestion(input)
      const targets = topology.targetsOf(current).nodes
      if (targets.every(isTerminal)) {
        return this.answerFinal(current, previous, targets, input, prevName)
      }
      const answer = await this.answerBuffered(current, previous)
      if (answer.toolCalls) {
        // Tool calls go back to the client, who runs the tools; the pipeline ends here.
        return this.finish(answer.text, answer.toolCalls, 'tool_calls', [], current.name)
      }
      const text = await this.hooks(current, 'post', answer.text, prevName, input)
      const next = await this.chooseNext(current, text)
      if (isTerminal(next.node)) {
        return this.finish(text, undefined, answer.finishReason, next.terminals, current.name)
      }
      previous = { node: current.name, text }
      prevName = current.name
      current = next.node
    }
  }

  /** Replaces the user's text (after a pre hook transformed it) in what answering nodes see. */
  private setQuestion(text: string): void {
    if (text === this.question) return
    this.question = text
    this.messages = withLastUserText(this.messages, text)
  }

  /**
   * Runs a node's hooks of one phase. Pre hooks work on $INPUT; post hooks on $OUTPUT (with the
   * node's input as $INPUT). $PREV_NODE is the node before this one; $TIMESTAMP is ISO 8601.
   */
  private async hooks(
    node: ArchitectureNode,
    phase: 'pre' | 'post',
    data: string,
    prevName: string | undefined,
    input?: string
  ): Promise<string> {
    const list = node.hooks?.[phase]
    if (!list || list.length === 0) return data
    const runner = this.deps.hooks
    if (!runner)
      throw new AppError(
        'internal_error',
        `node "${node.name}" has hooks but no function runner is configured`
      )
    const vars: Record<string, unknown> = {
      // Routing variables ($WORD_COUNT…) describe the data the hook works on: $INPUT or $OUTPUT.
      ...this.variables(node, data),
      NODE: node.name,
      TIMESTAMP: new Date().toISOString(),
      ...(input !== undefined ? { INPUT: input } : {})
    }
    if (prevName === undefined) delete vars.PREV_NODE
    else vars.PREV_NODE = prevName
    const pipeline = this.input.pipeline
    return runHooks(
      {
        node: node.name,
        phase,
        hooks: list,
        functions: pipeline.composition.functions,
        vars: vars as Variables,
        secrets: pipeline.secrets,
        baseDir: pipeline.baseDir,
        signal: this.input.signal,
        run: runner.run,
        queue: runner.queue,
        hops: this.hops,
        pending: this.pending
      },
      data,
      phase === 'pre' ? 'INPUT' : 'OUTPUT'
    )
  }

  /** The router's post hooks see the decision as $OUTPUT; a transform naming a candidate overrides it. */
  private async routerPostHooks(
    entry: ArchitectureNode,
    decision: ArchitectureNode
  ): Promise<ArchitectureNode> {
    if (!entry.hooks?.post.length) return decision
    const result = (await this.hooks(entry, 'post', decision.name, undefined, this.question)).trim()
    if (result === decision.name) return decision
    const override = this.input.pipeline.topology
      .targetsOf(entry)
      .nodes.find((n) => n.name === result && !isTerminal(n))
    if (override) this.lastDecision = override.name
    return override ?? decision
  }

  /** Moves to a node, enforcing the hop limit. */
  private enter(node: ArchitectureNode): void {
    this.hopCount++
    if (this.hopCount > this.input.pipeline.maxHops) {
      throw new AppError(
        'hop_limit_exceeded',
        `hop limit (${this.input.pipeline.maxHops}) exceeded at node "${node.name}"; route so far: ${this.route.join(' > ')}`
      )
    }
    this.route.push(node.name)
  }

  private variables(from: ArchitectureNode, content: string): Variables {
    return {
      ...this.headerVars,
      WORD_COUNT: countWords(content),
      INPUT_LENGTH: charLength(content),
      PREV_NODE: from.name,
      PREV_LAYER: effectiveLayer(from),
      CURRENT_LAYER: effectiveLayer(from),
      HOP_COUNT: this.hopCount,
      TIMESTAMP: Math.floor(Date.now() / 1000),
      REQUEST_ID: this.input.requestId,
      INITIAL_INPUT: this.question,
      CURRENT_INPUT: content,
      ...(this.lastDecision ? { ROUTE_DECISION: this.lastDecision } : {})
    }
  }

  /**
   * Conditions filter; one candidate is taken; several are chosen by `from`'s model. Synchronous
   * unless a model has to choose (no promise on the common path).
   */
  private chooseNext(from: ArchitectureNode, content: string): Choice | Promise<Choice> {
    const started = Date.now()
    const all = this.input.pipeline.topology.targetsOf(from).nodes
    const passing: ArchitectureNode[] = []
    const filtered: { node: string; condition: string }[] = []
    // Variables are only computed when some candidate has a condition to evaluate.
    let vars: Variables | undefined
    for (const c of all) {
      if (c.if === undefined || conditionHolds(c.if, (vars ??= this.variables(from, content))))
        passing.push(c)
      else filtered.push({ node: c.name, condition: c.if })
    }
    const record = (
      decision: ArchitectureNode,
      source: DecisionSource,
      extra: Partial<HopTrace> = {}
    ): Choice => {
      this.lastDecision = decision.name
      if (source !== 'model') {
        this.hops.push({
          node: from.name,
          action: 'route',
          candidates: all.map((c) => c.name),
          filtered: filtered.length > 0 ? filtered : undefined,
          decision: decision.name,
          decisionSource: source,
          startedAt: started,
          durationMs: Date.now() - started,
          ...extra
        })
      }
      const terminals = isTerminal(decision) ? passing.filter(isTerminal) : []
      return { node: decision, terminals: terminals.length > 0 ? terminals : [decision] }
    }

    if (passing.length === 0) {
      const fallback = this.defaultRoute(from)
      if (fallback) return record(fallback, 'default-route')
      const why = filtered.map((f) => `"${f.node}" (if ${f.condition})`).join(', ')
      throw new AppError(
        'no_route',
        `no route from node "${from.name}": every candidate's condition failed: ${why}`
      )
    }
    const only = passing[0]
    if (passing.length === 1 && only) return record(only, 'single-candidate')
    const firstTerminal = passing.find(isTerminal)
    if (passing.every(isTerminal) && firstTerminal) return record(firstTerminal, 'terminal')
    return this.routeWithModel(from, passing, content, filtered, started).then((picked) =>
      record(picked, 'model')
    )
  }

  private defaultRoute(from: ArchitectureNode): ArchitectureNode | undefined {
    const name = from['default-route']
    return name ? this.input.pipeline.topology.nodes.get(name) : undefined
  }

  private async routeWithModel(
    from: ArchitectureNode,
    candidates: ArchitectureNode[],
    content: string,
    filtered: { node: string; condition: string }[],
    started: number
  ): Promise<ArchitectureNode> {
    const { provider, model } = this.deps.providers.forNode(this.input.pipeline, from)
    const names = candidates.map((c) => c.name)
    const text =
      from === this.input.pipeline.topology.entry
        ? content
        : laterRoutingText(this.question, content)
    const messages = routingMessages(candidates, text)
    const rawAnswers: string[] = []
    let usage: Usage = ZERO_USAGE
    let constrained = false
    let pick: string | undefined
    for (let attempt = 0; attempt < 2 && !pick; attempt++) {
      const res = await provider.chat(
        { model, messages, params: ROUTER_PARAMS, choice: { options: names } },
        { signal: this.input.signal }
      )
      usage = addUsage(usage, res.usage)
      constrained = res.constrained ?? false
      rawAnswers.push(res.content ?? '')
      pick = parseRouteAnswer(res.content ?? '', names)
    }
    this.usage = addUsage(this.usage, usage)
    let source: DecisionSource = 'model'
    let node = candidates.find((c) => c.name === pick)
    if (!node) {
      node = this.defaultRoute(from)
      source = 'default-route'
    }
    this.hops.push({
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

  private answerRequest(node: ArchitectureNode, previous: PreviousAnswer | undefined) {
    const { provider, model } = this.deps.providers.forNode(this.input.pipeline, node)
    const messages = answerMessages(node, this.messages, previous)
    return { provider, model, req: { model, messages, params: this.params } }
  }

  private async answerBuffered(
    node: ArchitectureNode,
    previous: PreviousAnswer | undefined
  ): Promise<{ text: string; toolCalls?: unknown[]; finishReason: string | null }> {
    const started = Date.now()
    const { provider, model, req } = this.answerRequest(node, previous)
    const res = await provider.chat(req, { signal: this.input.signal })
    this.usage = addUsage(this.usage, res.usage)
    this.hops.push({
      node: node.name,
      action: 'answer',
      model,
      provider: provider.id,
      streamed: false,
      startedAt: started,
      durationMs: Date.now() - started,
      usage: res.usage
    })
    return { text: res.content ?? '', toolCalls: res.toolCalls, finishReason: res.finishReason }
  }

  /**
   * The final answer: streamed from the upstream when the client streams, unless a transform
   * post hook (on the node or an output node) must see the whole answer first.
   */
  private async answerFinal(
    node: ArchitectureNode,
    previous: PreviousAnswer | undefined,
    terminals: ArchitectureNode[],
    input: string,
    prevName: string | undefined
  ): Promise<EngineResult> {
    const mustBuffer = [node, ...terminals].some((n) =>
      n.hooks?.post.some((h) => h.mode === 'transform')
    )
    if (!this.input.stream || mustBuffer) {
      const answer = await this.answerBuffered(node, previous)
      if (answer.toolCalls)
        return this.finish(answer.text, answer.toolCalls, 'tool_calls', terminals, node.name)
      const text = hasHooks(node, 'post')
        ? await this.hooks(node, 'post', answer.text, prevName, input)
        : answer.text
      return this.finish(text, undefined, answer.finishReason, terminals, node.name)
    }
    const started = Date.now()
    const { provider, model, req } = this.answerRequest(node, previous)
    const route = this.finalRoute(terminals)
    const hop: HopTrace = {
      node: node.name,
      action: 'answer',
      model,
      provider: provider.id,
      streamed: true,
      startedAt: started,
      durationMs: 0
    }
    this.hops.push(hop)
    const sink = this.sink
    let streaming = false
    let full = ''
    const end = await provider.stream(
      req,
      (delta) => {
        if (delta.content) full += delta.content
        if (streaming) return sink.delta(delta)
        streaming = true
        hop.ttftMs = Date.now() - started
        const pending = sink.start(route)
        return pending ? pending.then(() => sink.delta(delta)) : sink.delta(delta)
      },
      { signal: this.input.signal }
    )
    hop.durationMs = Date.now() - started
    hop.usage = end.usage
    this.usage = addUsage(this.usage, end.usage)
    if (!streaming) await sink.start(route)
    // Only observe hooks remain here (transforms force buffering): they see the whole answer.
    await this.hooks(node, 'post', full, prevName, input)
    for (const t of terminals) await this.hooks(t, 'post', full, node.name)
    this.endAt(terminals, node, full)
    return {
      finishReason: end.finishReason,
      usage: this.usage,
      route: [...this.route],
      trace: this.trace()
    }
  }

  private finalRoute(terminals: ArchitectureNode[]): string[] {
    const out = terminals.find((t) => nodeKind(t) === 'output') ?? terminals[0]
    return out ? [...this.route, out.name] : [...this.route]
  }

  private endAt(terminals: ArchitectureNode[], last: ArchitectureNode, answer: string): void {
    const out = terminals.find((t) => nodeKind(t) === 'output') ?? terminals[0]
    if (out) this.route.push(out.name)
    const now = Date.now()
    for (const t of terminals) {
      if (nodeKind(t) === 'ws') this.sendToWs(t, answer)
      else this.hops.push({ node: t.name, action: 'output', startedAt: now, durationMs: 0 })
    }
    // Taps: ws nodes no output-to names receive the answer when their condition holds.
    const taps = this.input.pipeline.topology.taps
    if (taps.length > 0) {
      const vars = this.variables(last, answer)
      for (const tap of taps)
        if (tap.if === undefined || conditionHolds(tap.if, vars)) this.sendToWs(tap, answer)
    }
  }

  /** The ws adapter: sends the answer and request metadata; the HTTP client is not kept waiting. */
  private sendToWs(node: ArchitectureNode, answer: string): void {
    const started = Date.now()
    const hop: HopTrace = { node: node.name, action: 'tap', startedAt: started, durationMs: 0 }
    this.hops.push(hop)
    const runner = this.deps.hooks
    if (!runner || !node.url) {
      hop.error = node.url ? 'no function runner is configured' : 'the ws node has no url'
      return
    }
    const message = {
      type: 'llmnet.answer',
      request_id: this.input.requestId,
      pipeline: this.input.pipeline.id,
      node: node.name,
      route: [...this.route],
      answer,
      variables: this.headerVars,
      timestamp: new Date().toISOString()
    }
    const pipeline = this.input.pipeline
    const queued = runner.queue.push(async () => {
      const outcome = await runner.run(
        node.name,
        { type: 'websocket', url: node.url ?? '', message, headers: {}, timeout: 10 },
        { vars: {}, secrets: pipeline.secrets, baseDir: pipeline.baseDir, expectReply: false }
      )
      hop.durationMs = Date.now() - started
      if (!outcome.ok) hop.error = outcome.error ?? 'failed'
    })
    if (queued === false) hop.error = 'observe queue full: the ws output was dropped'
    else this.pending.push(queued)
  }

  private async finish(
    text: string,
    toolCalls: unknown[] | undefined,
    finishReason: string | null,
    terminals: ArchitectureNode[],
    lastNode: string
  ): Promise<EngineResult> {
    let answer = text
    // Output nodes' post hooks work on the final answer.
    for (const t of terminals)
      if (hasHooks(t, 'post')) answer = await this.hooks(t, 'post', answer, lastNode)
    // The sink answers synchronously unless the client pushes back: no await on that path.
    const opening = this.sink.start(this.finalRoute(terminals))
    if (opening) await opening
    const writing = this.sink.delta({ content: answer, toolCalls })
    if (writing) await writing
    const last = this.input.pipeline.topology.nodes.get(lastNode)
    if (last) this.endAt(terminals, last, answer)
    return { finishReason, usage: this.usage, route: [...this.route], trace: this.trace() }
  }
}

function hasHooks(node: ArchitectureNode, phase: 'pre' | 'post'): boolean {
  const list = node.hooks?.[phase]
  return list !== undefined && list.length > 0
}

function readHeaderVariables(
  keys: readonly string[],
  headers: Readonly<Record<string, string | string[] | undefined>>
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of keys) {
    for (const name of headerNamesForKey(key)) {
      const v = headers[name]
      const value = Array.isArray(v) ? v[0] : v
      if (value !== undefined) {
        out[key] = value
        break
      }
    }
  }
  return out
}
