/**
 * @module One request's run through a pipeline (see engine.ts for the rules): node by node, hooks
 * around each, the routing decisions of decide.ts, buffered intermediate answers and a final
 * answer that streams into the sink, and the hops of the trace.
 */
import { conditionHolds, type Variables } from '../../../shared/config/conditions'
import { NO_DEFAULTS, nodeRequestDefaults } from '../../../shared/config/node-options'
import type { ArchitectureNode } from '../../../shared/config/schema'
import { effectiveLayer, isTerminal, nodeKind } from '../../../shared/config/topology'
import { charLength, countWords, readHeaderVariables } from '../../../shared/config/variables'
import { type ChatMessage, forwardedParams, type Usage } from '../../../shared/openai/chat'
import type { CancelSignal } from '../cancel'
import { AppError } from '../errors'
import { type Choice, chooseNext, type RouteContext } from './decide'
import type { EngineDeps, EngineResult, EngineSink, RunInput } from './types'
import { hasHooks, hasPostHooks, runNodeHooks, transforms } from './hooks'
import { answerMessages, lastUserText, type PreviousAnswer, withLastUserText } from './messages'
import { nodeFailure } from './node-failure'
import type {
  CompiledPipeline,
  Provider,
  ProviderResolver,
  ProviderResponse,
  StreamDelta
} from './ports'
import { providerForNode } from './redacting-provider'
import { addUsage, hopTokens, type HopTrace, type Trace, ZERO_USAGE } from './trace'
import { sendToWs, type WsDelivery } from './ws-output'

/** One request's walk through the pipeline; also the context its routing decisions record into. */
export class PipelineRun implements RouteContext {
  private readonly started = Date.now()
  readonly hops: HopTrace[] = []
  private readonly route: string[] = []
  private usage: Usage = ZERO_USAGE
  private error: Trace['error']
  private hopCount = 0
  private lastDecision: string | undefined
  /** The user's text, after the entry's pre hooks. */
  question: string
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
    this.params = forwardedParams(input.request)
  }

  fail(e: AppError): void {
    this.error = { code: e.code, message: e.message }
  }

  get pipeline(): CompiledPipeline {
    return this.input.pipeline
  }
  get providers(): ProviderResolver {
    return this.deps.providers
  }
  get signal(): CancelSignal {
    return this.input.signal
  }
  decided(node: string): void {
    this.lastDecision = node
  }
  addUsage(usage: Usage | undefined): void {
    this.usage = addUsage(this.usage, usage)
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
      usage: this.usage,
      ...(this.input.app !== undefined && { app: this.input.app })
    }
  }

  /**
   * The run. Up to the first model call it is synchronous when the entry has no pre hooks and its
   * choice needs no model: a 1-0-1 proxy's answer then costs no async frame of its own (each one
   * showed in the bytes allocated per request; docs/performance.md). Throws or rejects with the
   * run's error.
   */
  execute(): Promise<EngineResult> {
    const entry = this.input.pipeline.topology.entry
    if (!entry)
      throw new AppError('internal_error', `pipeline ${this.input.pipeline.id} has no entry node`)
    this.route.push(entry.name)
    // The entry's pre hooks run before it decides, on the user's text.
    if (hasHooks(entry, 'pre')) return this.afterEntryHooks(entry)
    const choice = chooseNext(this, entry, this.question)
    if (choice instanceof Promise) return choice.then((first) => this.fromEntry(entry, first))
    return this.fromEntry(entry, choice)
  }

  private async afterEntryHooks(entry: ArchitectureNode): Promise<EngineResult> {
    this.setQuestion(await this.hooks(entry, 'pre', this.question, undefined))
    const choice = chooseNext(this, entry, this.question)
    return this.fromEntry(entry, choice instanceof Promise ? await choice : choice)
  }

  /** After the entry's decision: it answers itself (1-0-1), or the walk through the layers starts. */
  private fromEntry(entry: ArchitectureNode, first: Choice): Promise<EngineResult> {
    if (isTerminal(first.node)) {
      // The entry's next node ends the pipeline: the entry answers itself (1-0-1).
      return this.answerFinal(entry, undefined, first.terminals, this.question, undefined)
    }
    return this.walk(entry, first.node)
  }

  /** Node by node from the entry's decision until a node's next nodes end the pipeline. */
  private async walk(entry: ArchitectureNode, decision: ArchitectureNode): Promise<EngineResult> {
    const { topology } = this.input.pipeline
    let current = await this.routerPostHooks(entry, decision)
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
        // Awaited, not returned: an async function returning a promise costs extra ticks.
        return await this.answerFinal(current, previous, targets, input, prevName)
      }
      const answer = await this.answerBuffered(current, previous)
      if (answer.toolCalls || answer.functionCall) {
        // Tool calls go back to the client, who runs the tools; the pipeline ends here.
        return await this.finish(
          answer.text,
          answer.toolCalls,
          callReason(answer),
          [],
          current.name,
          answer
        )
      }
      const text = await this.hooks(current, 'post', answer.text, prevName, input)
      const next = await chooseNext(this, current, text)
      if (isTerminal(next.node)) {
        return await this.finish(
          text,
          undefined,
          answer.finishReason,
          next.terminals,
          current.name,
          answer
        )
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
    if (!hasHooks(node, phase)) return data
    const { pipeline, signal } = this.input
    return runNodeHooks(
      { runner: this.deps.hooks, pipeline, signal, hops: this.hops, pending: this.pending },
      { node, phase, data, variables: this.variables(node, data), prevName, input }
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

  variables(from: ArchitectureNode, content: string): Variables {
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

  private answerRequest(node: ArchitectureNode, previous: PreviousAnswer | undefined) {
    const { provider, model } = providerForNode(this.deps.providers, this.input.pipeline, node)
    const messages = answerMessages(node, this.messages, previous)
    // The node's sampler settings (`extra-options.max_tokens`…) unless the client set its own.
    const defaults = nodeRequestDefaults(node, this.input.pipeline.composition, this.params)
    const params = defaults === NO_DEFAULTS ? this.params : { ...defaults, ...this.params }
    return { provider, model, req: { model, messages, params } }
  }

  private async answerBuffered(
    node: ArchitectureNode,
    previous: PreviousAnswer | undefined
  ): Promise<ProviderResponse & { text: string }> {
    const started = Date.now()
    const call = this.answerRequest(node, previous)
    let res: ProviderResponse
    try {
      res = await call.provider.chat(call.req, { signal: this.input.signal })
    } catch (err) {
      nodeFailure(err, node.name, call.model)
    }
    return this.recordAnswer(node, call, started, res)
  }

  /** A whole answer's hop and usage recorded; the answer with its text (never null). */
  private recordAnswer(
    node: ArchitectureNode,
    { provider, model }: { provider: Provider; model: string },
    started: number,
    res: ProviderResponse
  ): ProviderResponse & { text: string } {
    this.usage = addUsage(this.usage, res.usage)
    this.hops.push({
      node: node.name,
      action: 'answer',
      model,
      provider: provider.id,
      streamed: false,
      startedAt: started,
      durationMs: Date.now() - started,
      usage: res.usage,
      tokens: hopTokens(res.usage),
      loadMs: res.loadMs
    })
    // The provider's own fresh object, not a copy: a spread per answer showed in profiles.
    const answer = res as ProviderResponse & { text: string }
    answer.text = res.content ?? ''
    return answer
  }

  /**
   * The final answer: streamed from the upstream when the client streams, unless a transform
   * post hook (on the node or an output node) must see the whole answer first.
   */
  private answerFinal(
    node: ArchitectureNode,
    previous: PreviousAnswer | undefined,
    terminals: readonly ArchitectureNode[],
    input: string,
    prevName: string | undefined
  ): Promise<EngineResult> {
    const mustBuffer = transforms(node) || terminals.some(transforms)
    // Not an async function itself: each branch is one, so a final answer pays for one frame.
    return !this.input.stream || mustBuffer
      ? this.answerWhole(node, previous, terminals, input, prevName)
      : this.answerStreamed(node, previous, terminals, input, prevName)
  }

  /**
   * The final answer whole: the model call inline rather than through answerBuffered (one async
   * frame, not two, for every JSON answer), then the post hooks and the end of the run.
   */
  private async answerWhole(
    node: ArchitectureNode,
    previous: PreviousAnswer | undefined,
    terminals: readonly ArchitectureNode[],
    input: string,
    prevName: string | undefined
  ): Promise<EngineResult> {
    const started = Date.now()
    const call = this.answerRequest(node, previous)
    let res: ProviderResponse
    try {
      res = await call.provider.chat(call.req, { signal: this.input.signal })
    } catch (err) {
      nodeFailure(err, node.name, call.model)
    }
    const answer = this.recordAnswer(node, call, started, res)
    const calls = Boolean(answer.toolCalls || answer.functionCall)
    // Tool calls go back to the client as they are; a text answer passes the post hooks first.
    const text =
      calls || !hasHooks(node, 'post')
        ? answer.text
        : await this.hooks(node, 'post', answer.text, prevName, input)
    const done = this.finish(
      text,
      calls ? answer.toolCalls : undefined,
      calls ? callReason(answer) : answer.finishReason,
      terminals,
      node.name,
      answer
    )
    // An async function that returns a promise pays extra ticks: await it instead.
    return done instanceof Promise ? await done : done
  }

  /** The final answer streamed from the upstream to the client as it comes. */
  private async answerStreamed(
    node: ArchitectureNode,
    previous: PreviousAnswer | undefined,
    terminals: readonly ArchitectureNode[],
    input: string,
    prevName: string | undefined
  ): Promise<EngineResult> {
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
    const end = await provider
      .stream(
        req,
        (delta) => {
          if (delta.content) full += delta.content
          if (streaming) return sink.delta(delta)
          streaming = true
          hop.ttftMs = Date.now() - started
          const pending = sink.start(route, delta.systemFingerprint)
          return pending ? pending.then(() => sink.delta(delta)) : sink.delta(delta)
        },
        { signal: this.input.signal }
      )
      .catch((err: unknown) => nodeFailure(err, node.name, model))
    hop.durationMs = Date.now() - started
    hop.usage = end.usage
    hop.tokens = hopTokens(end.usage)
    if (end.loadMs !== undefined) hop.loadMs = end.loadMs
    this.usage = addUsage(this.usage, end.usage)
    if (!streaming) await sink.start(route, end.systemFingerprint)
    // Only observe hooks remain here (transforms force buffering): they see the whole answer.
    await this.hooks(node, 'post', full, prevName, input)
    for (const t of terminals) await this.hooks(t, 'post', full, node.name)
    this.endAt(terminals, node, full)
    return {
      finishReason: end.finishReason,
      usage: this.usage,
      route: [...this.route],
      trace: this.trace(),
      systemFingerprint: end.systemFingerprint
    }
  }

  private finalRoute(terminals: readonly ArchitectureNode[]): string[] {
    const out = terminals.find((t) => nodeKind(t) === 'output') ?? terminals[0]
    return out ? [...this.route, out.name] : [...this.route]
  }

  private endAt(
    terminals: readonly ArchitectureNode[],
    last: ArchitectureNode,
    answer: string
  ): void {
    const out = terminals.find((t) => nodeKind(t) === 'output') ?? terminals[0]
    if (out) this.route.push(out.name)
    const now = Date.now()
    for (const t of terminals) {
      if (nodeKind(t) === 'ws') sendToWs(this.wsDelivery(), t, answer)
      else this.hops.push({ node: t.name, action: 'output', startedAt: now, durationMs: 0 })
    }
    // Taps: ws nodes no output-to names receive the answer when their condition holds.
    const taps = this.input.pipeline.topology.taps
    if (taps.length > 0) {
      const vars = this.variables(last, answer)
      for (const tap of taps)
        if (tap.if === undefined || conditionHolds(tap.if, vars))
          sendToWs(this.wsDelivery(), tap, answer)
    }
  }

  private wsDelivery(): WsDelivery {
    return {
      hops: this.hops,
      pending: this.pending,
      runner: this.deps.hooks,
      pipeline: this.input.pipeline,
      requestId: this.input.requestId,
      route: this.route,
      variables: this.headerVars
    }
  }

  /**
   * The final answer into the sink, after the output nodes' post hooks. Synchronous when there
   * are none and the sink takes the answer at once (the client does not push back).
   */
  private finish(
    text: string,
    toolCalls: unknown[] | undefined,
    finishReason: string | null,
    terminals: readonly ArchitectureNode[],
    lastNode: string,
    from?: ProviderResponse & { text: string }
  ): EngineResult | Promise<EngineResult> {
    const ending: Ending = { text, toolCalls, finishReason, terminals, lastNode, from }
    if (terminals.some(hasPostHooks)) return this.finishAfterHooks(ending)
    const opening = this.sink.start(this.finalRoute(terminals), from?.systemFingerprint)
    return opening ? opening.then(() => this.deliver(ending)) : this.deliver(ending)
  }

  private async finishAfterHooks(ending: Ending): Promise<EngineResult> {
    // Output nodes' post hooks work on the final answer.
    for (const t of ending.terminals)
      if (hasHooks(t, 'post'))
        ending.text = await this.hooks(t, 'post', ending.text, ending.lastNode)
    const opening = this.sink.start(
      this.finalRoute(ending.terminals),
      ending.from?.systemFingerprint
    )
    if (opening) await opening
    return this.deliver(ending)
  }

  /** Writes the answer into the opened sink and ends the run. */
  private deliver(ending: Ending): EngineResult | Promise<EngineResult> {
    const { text, from } = ending
    const delta: StreamDelta = { content: text, toolCalls: ending.toolCalls }
    if (from?.reasoningContent) delta.reasoningContent = from.reasoningContent
    if (from?.reasoning) delta.reasoning = from.reasoning
    if (from?.functionCall) delta.functionCall = from.functionCall
    // Log probabilities describe the model's own tokens: not a text a hook rewrote.
    if (from?.logprobs && text === from.text) delta.logprobs = from.logprobs
    const writing = this.sink.delta(delta)
    return writing ? writing.then(() => this.ended(ending)) : this.ended(ending)
  }

  private ended(ending: Ending): EngineResult {
    const last = this.input.pipeline.topology.nodes.get(ending.lastNode)
    if (last) this.endAt(ending.terminals, last, ending.text)
    const trace = this.trace()
    return {
      finishReason: ending.finishReason,
      usage: this.usage,
      // The trace's own copy of the route: one copy per request.
      route: trace.route,
      trace,
      systemFingerprint: ending.from?.systemFingerprint
    }
  }
}

/** What the final answer needs once a node has answered: its text, the output nodes, and where from. */
interface Ending {
  text: string
  toolCalls: unknown[] | undefined
  finishReason: string | null
  terminals: readonly ArchitectureNode[]
  lastNode: string
  from: (ProviderResponse & { text: string }) | undefined
}

/** The finish reason of an answer that calls tools (or a legacy function). */
function callReason(answer: ProviderResponse): string {
  return answer.toolCalls ? 'tool_calls' : (answer.finishReason ?? 'function_call')
}
