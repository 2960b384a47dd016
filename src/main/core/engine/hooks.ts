/**
 * @module Hooks around nodes: `transform` hooks are awaited and their result replaces the data;
 * `observe` hooks go on a bounded queue and never delay the request. Both are recorded in the
 * trace. Conditions use the one condition language (`if`).
 *
 * How a transform result replaces the data (docs/hooks.md):
 *   - a string replaces the text;
 *   - a JSON object with a string `content` replaces the text with that string;
 *   - any other JSON value replaces the text with its JSON serialisation;
 *   - an empty result (no output) leaves the data unchanged.
 */
import { conditionHolds, type Variables } from '../../../shared/config/conditions'
import type { ArchitectureNode, FunctionDefinition, Hook } from '../../../shared/config/schema'
import type { CancelSignal } from '../cancel'
import { AppError } from '../errors'
import type { SecretLookup } from './ports'
import type { HopTrace } from './trace'

export interface FunctionOutcome {
  ok: boolean
  output?: unknown
  error?: string
  durationMs: number
}

/** Runs one function (the functions subsystem); never throws. */
export type FunctionRunner = (
  name: string,
  def: FunctionDefinition,
  ctx: {
    vars: Record<string, unknown>
    secrets: SecretLookup
    signal?: CancelSignal
    baseDir: string
    expectReply?: boolean
  }
) => Promise<FunctionOutcome>

/** A bounded queue for observe hooks: at most `concurrency` run, at most `capacity` wait. */
export class ObserveQueue {
  private running = 0
  private readonly waiting: (() => void)[] = []
  private idlers: (() => void)[] = []

  constructor(
    private readonly concurrency = 8,
    private readonly capacity = 1000
  ) {}

  /** Schedules a task; resolves when it settled, or false at once when the queue is full. */
  push(task: () => Promise<unknown>): Promise<boolean> | false {
    if (this.waiting.length >= this.capacity) return false
    return new Promise<boolean>((resolve) => {
      const run = (): void => {
        this.running++
        task()
          .catch(() => undefined)
          .finally(() => {
            this.running--
            this.waiting.shift()?.()
            resolve(true)
            if (this.running === 0 && this.idlers.length > 0) {
              for (const idle of this.idlers.splice(0)) idle()
            }
          })
      }
      if (this.running < this.concurrency) run()
      else this.waiting.push(run)
    })
  }

  /** Resolves when no task runs or waits, or after `ms` (shutdown abandons the rest). */
  idle(ms: number): Promise<void> {
    if (this.running === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.idlers.push(done)
    })
  }
}

/** Applies a transform result to the text, by the rule in this module's header. */
export function applyTransform(text: string, output: unknown): string {
  if (output === undefined || output === null || output === '') return text
  if (typeof output === 'string') return output
  if (typeof output === 'object' && !Array.isArray(output)) {
    const content = (output as Record<string, unknown>).content
    if (typeof content === 'string') return content
  }
  return JSON.stringify(output)
}

export interface HookScope {
  node: string
  phase: 'pre' | 'post'
  hooks: readonly Hook[]
  functions: Readonly<Record<string, FunctionDefinition>>
  vars: Variables
  secrets: SecretLookup
  baseDir: string
  signal: CancelSignal
  run: FunctionRunner
  queue: ObserveQueue
  /** Where hop records go. */
  hops: HopTrace[]
  /** Settles when the observe hooks started here have finished (for the trace). */
  pending: Promise<unknown>[]
}

/**
 * Runs a node's hooks of one phase in list order. `data` is the text the phase works on
 * ($INPUT in pre hooks, $OUTPUT in post hooks); returns the possibly transformed text.
 */
export async function runHooks(
  scope: HookScope,
  data: string,
  dataVar: 'INPUT' | 'OUTPUT'
): Promise<string> {
  let current = data
  for (const hook of scope.hooks) {
    const vars: Record<string, unknown> = { ...scope.vars, [dataVar]: current }
    if (hook.if !== undefined && !conditionHolds(hook.if, vars as Variables)) continue
    const def = scope.functions[hook.function]
    if (!def) continue // the validator rejects this; a reload race must not crash a request
    const started = Date.now()
    const hop: HopTrace = {
      node: scope.node,
      action: 'hook',
      function: hook.function,
      mode: `${scope.phase} ${hook.mode}`,
      startedAt: started,
      durationMs: 0
    }
    const ctx = {
      vars,
      secrets: scope.secrets,
      baseDir: scope.baseDir,
      signal: scope.signal,
      expectReply: hook.mode === 'transform'
    }
    if (hook.mode === 'observe') {
      const queued = scope.queue.push(async () => {
        // Observe hooks outlive the request: they get no cancellation signal.
        const outcome = await scope.run(hook.function, def, { ...ctx, signal: undefined })
        hop.durationMs = Date.now() - started
        if (!outcome.ok) hop.error = outcome.error ?? 'failed'
      })
      if (queued === false) hop.error = 'observe queue full: the hook was dropped'
      else scope.pending.push(queued)
      scope.hops.push(hop)
      continue
    }
    const outcome = await scope.run(hook.function, def, ctx)
    hop.durationMs = Date.now() - started
    scope.hops.push(hop)
    if (outcome.ok) {
      current = applyTransform(current, outcome.output)
      continue
    }
    hop.error = outcome.error ?? 'failed'
    if (hook.on_failure === 'abort') {
      throw new AppError(
        'hook_aborted',
        `${scope.phase} hook "${hook.function}" on node "${scope.node}" failed and aborted the request: ${hop.error}`
      )
    }
  }
  return current
}

/** Whether a node has hooks in `phase`. */
export function hasHooks(node: ArchitectureNode, phase: 'pre' | 'post'): boolean {
  const list = node.hooks?.[phase]
  return list !== undefined && list.length > 0
}

export const hasPostHooks = (node: ArchitectureNode): boolean => hasHooks(node, 'post')

/** Whether a node has a post hook that rewrites the answer (so it must see it whole). */
export function transforms(node: ArchitectureNode): boolean {
  return node.hooks?.post.some((h) => h.mode === 'transform') === true
}

/** What a run lends the hooks of its nodes. */
export interface NodeHookContext {
  runner: { run: FunctionRunner; queue: ObserveQueue } | undefined
  /** The compiled pipeline's parts the hooks need. */
  pipeline: {
    composition: { functions: Readonly<Record<string, FunctionDefinition>> }
    secrets: SecretLookup
    baseDir: string
  }
  signal: CancelSignal
  hops: HopTrace[]
  pending: Promise<unknown>[]
}

/**
 * Runs a node's hooks of one phase. Pre hooks work on $INPUT; post hooks on $OUTPUT (with the
 * node's input as $INPUT). `variables` are the routing variables ($WORD_COUNT…) of the data the
 * hooks work on; $NODE, $TIMESTAMP (ISO 8601) and $PREV_NODE (the node before this one) are
 * added here.
 */
export function runNodeHooks(
  ctx: NodeHookContext,
  call: {
    node: ArchitectureNode
    phase: 'pre' | 'post'
    data: string
    variables: Variables
    prevName: string | undefined
    input: string | undefined
  }
): Promise<string> {
  const { node, phase, input } = call
  const runner = ctx.runner
  if (!runner)
    throw new AppError(
      'internal_error',
      `node "${node.name}" has hooks but no function runner is configured`
    )
  const vars: Record<string, unknown> = {
    ...call.variables,
    NODE: node.name,
    TIMESTAMP: new Date().toISOString(),
    ...(input !== undefined ? { INPUT: input } : {})
  }
  if (call.prevName === undefined) delete vars.PREV_NODE
  else vars.PREV_NODE = call.prevName
  const scope: HookScope = {
    node: node.name,
    phase,
    hooks: node.hooks?.[phase] ?? [],
    functions: ctx.pipeline.composition.functions,
    vars: vars as Variables,
    secrets: ctx.pipeline.secrets,
    baseDir: ctx.pipeline.baseDir,
    signal: ctx.signal,
    run: runner.run,
    queue: runner.queue,
    hops: ctx.hops,
    pending: ctx.pending
  }
  return runHooks(scope, call.data, phase === 'pre' ? 'INPUT' : 'OUTPUT')
}
