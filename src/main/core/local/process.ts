/**
 * @module The parent-side handle of one llama.cpp worker process ({@link ./llama-worker.ts}).
 *
 * An explicit state machine:
 *
 * ```
 * stopped → starting → ready ⇄ busy → stopping → stopped
 *              ↓         ↓      ↓
 *            error ← (failed start / unexpected exit) → starting (after backoff)
 * ```
 *
 * - `start()` is joined (concurrent callers share one start) and resolves when the worker sends
 *   `{type:'ready'}` over IPC (no polling, no sleeps), or rejects after `startTimeoutMs`.
 * - `stop()` is bounded by `stopBudgetMs`: IPC `shutdown`, then SIGTERM, then SIGKILL.
 * - Crashes restart EAGERLY: an unexpected exit (or a failed start) moves to `error` and schedules a
 *   restart after an exponential backoff (0.5 s, 1 s, 2 s, … capped at 30 s). A failure counts
 *   towards the circuit breaker when the worker had not yet served a request since it started;
 *   after 3 consecutive such failures the handle stays in `error` until the breaker closes: after
 *   `breakerCooldownMs` (checked on the next request), on `resetBreaker()` (a reload of the
 *   composition, a user's load) or on `start()`.
 *   Refusals (`insufficient_memory`, `bad_params`) are never retried: the same parameters would be
 *   refused again.
 * - Idle unload: `idleTtlMs` (default 10 minutes) after the last request or `touch()`, the process
 *   is stopped; `ensureStarted()` starts it again on the next request (lazily).
 * - The fork function is injectable (`ForkLike`, worker-fork.ts) so Electron's
 *   `utilityProcess` can replace `child_process.fork`.
 *
 * This file is the state machine; the status, options and error are in process-types.ts, the
 * fork, its stderr tail and the bounded stop in process-child.ts.
 */
import { EventEmitter } from 'node:events'
import { baseUrlOf, exitDescription, forkWorker, type Spawned, stopWorker } from './process-child'
import {
  LlamaProcessError,
  type LlamaProcessEvents,
  type LlamaProcessOptions,
  type LlamaProcessSettings,
  type LlamaProcessState,
  type LlamaProcessStatus,
  resolveProcessOptions
} from './process-types'
import { isWorkerMessage, WORKER_EXIT, type WorkerParams } from './protocol'

export {
  LlamaProcessError,
  type LlamaProcessEvents,
  type LlamaProcessOptions,
  type LlamaProcessState,
  type LlamaProcessStatus
} from './process-types'

/** A pending `start()`. */
interface PendingStart {
  promise: Promise<LlamaProcessStatus>
  resolve: (s: LlamaProcessStatus) => void
  reject: (err: LlamaProcessError) => void
  timer: NodeJS.Timeout
}

/**
 * The parent-side handle of one llama.cpp worker serving one GGUF model. See the module comment for
 * the state machine, restarts, circuit breaker and idle unload.
 */
export class LlamaCppProcess {
  private readonly params: WorkerParams
  private readonly opts: LlamaProcessSettings
  private readonly label: string
  private readonly events = new EventEmitter()
  private readonly modelName: string
  private state: LlamaProcessState = 'stopped'
  private current: Spawned | undefined
  private pending: PendingStart | undefined
  private stopping: Promise<void> | undefined
  private restartTimer: NodeJS.Timeout | undefined
  private scheduledStart: Promise<LlamaProcessStatus> | undefined
  private settleScheduled: ((value: Promise<LlamaProcessStatus>) => void) | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private loadedSince: number | null = null
  private lastUsed: number | null = null
  private tokensPerSecond: number | null = null
  private inflight = 0
  private lastError: {
    code: NonNullable<LlamaProcessStatus['lastErrorCode']>
    message: string
  } | null = null
  private restarts = 0
  private failures = 0
  /** When the circuit breaker opened (epoch ms), while it is open. */
  private breakerOpenedAt: number | null = null
  private nextRestartAt: number | null = null
  private stopReason: LlamaProcessStatus['stopReason'] = null
  /** Base URLs of the last workers that died while serving, for {@link crashed}. */
  private readonly crashedUrls: string[] = []

  constructor(options: LlamaProcessOptions) {
    const { params, settings, modelName, label } = resolveProcessOptions(options)
    this.params = params
    this.opts = settings
    this.modelName = modelName
    this.label = label
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof LlamaProcessEvents>(
    event: E,
    listener: (...args: LlamaProcessEvents[E]) => void
  ): () => void {
    const l = listener as (...args: unknown[]) => void
    this.events.on(event, l)
    return () => this.events.off(event, l)
  }

  /** A snapshot of the handle. */
  status(): LlamaProcessStatus {
    const r = this.state === 'ready' || this.state === 'busy' ? this.current?.ready : undefined
    return {
      state: this.state,
      model: this.modelName,
      pid: this.current && !this.current.hasExited ? (this.current.child.pid ?? null) : null,
      port: r?.port ?? null,
      baseUrl: r ? baseUrlOf(r) : null,
      gpu: r ? r.gpu : null,
      gpuLayers: r?.gpuLayers ?? null,
      contextSize: r?.contextSize ?? null,
      threads: r?.threads ?? null,
      memory: r ? { ramBytes: r.ramBytes, vramBytes: r.vramBytes } : null,
      loadedSince: r ? this.loadedSince : null,
      loadMs: r?.loadMs ?? null,
      modelLoadMs: r?.modelLoadMs ?? null,
      lastUsed: this.lastUsed,
      tokensPerSecond: this.tokensPerSecond,
      inflight: this.inflight,
      lastError: this.lastError?.message ?? null,
      lastErrorCode: this.lastError?.code ?? null,
      restarts: this.restarts,
      consecutiveFailures: this.failures,
      nextRestartAt: this.nextRestartAt,
      stopReason: this.stopReason
    }
  }

  /**
   * Starts the worker, or joins the start in progress; resolves once it is ready. An explicit
   * start also closes the circuit breaker (resets the consecutive-failure count).
   */
  async start(): Promise<LlamaProcessStatus> {
    this.resetBreaker()
    return this.startInternal()
  }

  /**
   * Closes the circuit breaker (a reload of the composition, a user's load): the consecutive
   * failures are forgotten, and a handle that gave up starts again on the next request.
   */
  resetBreaker(): void {
    this.failures = 0
    this.breakerOpenedAt = null
    if (this.state === 'error' && !this.scheduledStart && !this.pending) this.setState('stopped')
  }

  /**
   * For the code about to send a request: starts the worker lazily when stopped (e.g. after an
   * idle unload), waits for a scheduled restart, marks use and returns the base URL. Throws when
   * the handle gave up (circuit open, or a refusal such as `insufficient_memory`).
   */
  async ensureStarted(): Promise<string> {
    this.touch()
    let status: LlamaProcessStatus
    if (this.state === 'ready' || this.state === 'busy') status = this.status()
    else if (this.state === 'error' && this.scheduledStart) status = await this.scheduledStart
    else if (this.state === 'error' && !this.coolDownOver()) {
      throw new LlamaProcessError(
        this.breakerOpenedAt === null ? (this.lastError?.code ?? 'crashed') : 'circuit_open',
        this.lastError?.message ?? `${this.label} failed`
      )
    } else {
      if (this.state === 'error') this.resetBreaker()
      status = await this.startInternal()
    }
    if (!status.baseUrl)
      throw new LlamaProcessError('stopped', `${this.label} stopped before it could serve`)
    return status.baseUrl
  }

  /**
   * Whether the worker that served at `baseUrl` died unexpectedly (not stopped). For a caller whose
   * connection to it just broke: the socket can close before the exit is reported, so a worker
   * still running there gets `graceMs` to exit.
   */
  async crashed(baseUrl: string, graceMs = 2_000): Promise<boolean> {
    const s = this.current
    if (s?.ready && !s.hasExited && baseUrlOf(s.ready) === baseUrl) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs)
        void s.exited.then(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return this.crashedUrls.includes(baseUrl)
  }

  /** Whether the breaker is open and its cool-down has passed (refusals never cool down). */
  private coolDownOver(): boolean {
    return (
      this.breakerOpenedAt !== null &&
      Date.now() - this.breakerOpenedAt >= this.opts.breakerCooldownMs
    )
  }

  /** Marks use now: postpones the idle unload. */
  touch(): void {
    this.lastUsed = Date.now()
    this.armIdle()
  }

  /**
   * Stops the worker within `stopBudgetMs`: IPC shutdown (the worker disposes its model), then
   * SIGTERM, then SIGKILL. Cancels a scheduled restart. Concurrent calls share one stop.
   */
  stop(): Promise<void> {
    return this.stopInternal('requested')
  }

  private async startInternal(): Promise<LlamaProcessStatus> {
    if (this.state === 'ready' || this.state === 'busy') return this.status()
    if (this.pending) return this.pending.promise
    if (this.stopping) await this.stopping
    if (this.pending) return (this.pending as PendingStart).promise
    const settle = this.takeScheduled()
    const started = this.spawn()
    settle?.(started)
    return started
  }

  private spawn(): Promise<LlamaProcessStatus> {
    let resolve!: (s: LlamaProcessStatus) => void
    let reject!: (err: LlamaProcessError) => void
    const promise = new Promise<LlamaProcessStatus>((res, rej) => {
      resolve = res
      reject = rej
    })
    const ref: { spawned?: Spawned } = {}
    const timer = setTimeout(() => {
      this.fail(
        ref.spawned,
        'start_timeout',
        `${this.label} did not become ready within ${this.opts.startTimeoutMs} ms`
      )
      ref.spawned?.child.kill('SIGKILL')
    }, this.opts.startTimeoutMs)
    this.pending = { promise, resolve, reject, timer }
    this.stopReason = null
    this.setState('starting')

    try {
      forkWorker(
        { fork: this.opts.fork, entry: this.opts.entry, params: this.params },
        {
          spawned: (s) => {
            ref.spawned = s
            this.current = s
          },
          message: (s, message) => this.onMessage(s, message),
          exit: (s) => this.onExit(s)
        }
      )
    } catch (err) {
      this.fail(
        undefined,
        'crashed',
        `cannot start the worker for ${this.label}: ${(err as Error).message}`
      )
      return promise
    }
    this.emitStatus()
    return promise
  }

  private onMessage(s: Spawned, message: unknown): void {
    if (!isWorkerMessage(message)) return
    switch (message.type) {
      case 'ready': {
        s.ready = message
        if (s !== this.current || this.state !== 'starting') return
        this.loadedSince = Date.now()
        this.lastUsed = this.loadedSince
        this.lastError = null
        this.breakerOpenedAt = null
        this.setState('ready')
        const p = this.pending
        this.pending = undefined
        if (p) {
          clearTimeout(p.timer)
          p.resolve(this.status())
        }
        this.armIdle()
        return
      }
      case 'error':
        s.error = message
        return
      case 'request-start':
        if (s !== this.current) return
        this.inflight++
        this.lastUsed = Date.now()
        this.clearIdle()
        if (this.state === 'ready') this.setState('busy')
        else this.emitStatus()
        return
      case 'request':
        if (s !== this.current) return
        this.inflight = Math.max(0, this.inflight - 1)
        this.lastUsed = Date.now()
        if (message.ok) {
          s.servedRequest = true
          this.failures = 0
        }
        if (message.tokensPerSecond > 0) this.tokensPerSecond = message.tokensPerSecond
        this.events.emit('request', message)
        if (this.state === 'busy' && this.inflight === 0) this.setState('ready')
        else this.emitStatus()
        this.armIdle()
        return
    }
  }

  private onExit(s: Spawned): void {
    if (s !== this.current) return
    if (this.state === 'stopping') return // stopInternal finishes the transition
    const { how, tail } = exitDescription(s)
    if (this.state === 'starting') {
      if (s.error) this.fail(s, s.error.code, s.error.message)
      else
        this.fail(
          s,
          'crashed',
          `the worker for ${this.label} exited with ${how} before it was ready${tail}`
        )
    } else if (this.state === 'ready' || this.state === 'busy') {
      if (s.ready) this.crashedUrls.push(baseUrlOf(s.ready))
      if (this.crashedUrls.length > 8) this.crashedUrls.shift()
      this.fail(
        s,
        s.error?.code ?? 'crashed',
        s.error?.message ?? `the worker for ${this.label} exited unexpectedly with ${how}${tail}`
      )
    }
  }

  /** Moves to `error`, rejects a pending start, and schedules a restart unless it should not. */
  private fail(
    s: Spawned | undefined,
    code: NonNullable<LlamaProcessStatus['lastErrorCode']>,
    message: string
  ): void {
    if (this.state === 'error' && s === this.current && this.lastError) return // already handled (timeout then exit)
    this.clearIdle()
    this.inflight = 0
    const retryable = code !== 'insufficient_memory' && code !== 'bad_params'
    if (s?.servedRequest) this.failures = 0
    this.failures++
    let text = message
    const giveUp =
      !retryable || !this.opts.autoRestart || this.failures >= this.opts.maxConsecutiveFailures
    if (retryable && this.opts.autoRestart && giveUp) {
      this.breakerOpenedAt = Date.now()
      const wait = Math.round(this.opts.breakerCooldownMs / 1000)
      text += `. ${this.label} crashed ${this.failures} times in a row; llmnet stopped restarting it. It will try again in ${wait} s, when the pipeline is reloaded, or when you load it.`
    }
    this.lastError = { code, message: text }
    const p = this.pending
    this.pending = undefined
    this.state = 'error'
    if (!giveUp) this.scheduleRestart()
    this.emitStatus()
    if (p) {
      clearTimeout(p.timer)
      p.reject(new LlamaProcessError(code, text))
    }
  }

  private scheduleRestart(): void {
    const delay = Math.min(
      this.opts.restartMaxMs,
      this.opts.restartBaseMs * 2 ** Math.max(0, this.failures - 1)
    )
    this.nextRestartAt = Date.now() + delay
    let settle!: (value: Promise<LlamaProcessStatus>) => void
    this.scheduledStart = new Promise<LlamaProcessStatus>((resolve) => (settle = resolve))
    this.scheduledStart.catch(() => undefined)
    this.settleScheduled = settle
    this.restartTimer = setTimeout(() => {
      const settle = this.takeScheduled()
      this.restarts++
      const started = this.spawn()
      started.catch(() => undefined)
      settle?.(started)
    }, delay)
    this.restartTimer.unref()
  }

  /**
   * Drops the scheduled restart and returns the function that settles what its waiters
   * (`ensureStarted`) get: the start that runs instead, or a rejection.
   */
  private takeScheduled(): ((value: Promise<LlamaProcessStatus>) => void) | undefined {
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.restartTimer = undefined
    this.nextRestartAt = null
    const settle = this.settleScheduled
    this.settleScheduled = undefined
    this.scheduledStart = undefined
    return settle
  }

  private stopInternal(reason: 'requested' | 'idle'): Promise<void> {
    if (this.stopping) return this.stopping
    const settle = this.takeScheduled()
    if (settle) {
      const stopped = Promise.reject(new LlamaProcessError('stopped', `${this.label} was stopped`))
      stopped.catch(() => undefined)
      settle(stopped)
    }
    this.clearIdle()
    const s = this.current
    if (!s || s.hasExited) {
      this.current = undefined
      if (this.state !== 'stopped') {
        this.stopReason = reason
        this.setState('stopped')
      }
      return Promise.resolve()
    }
    this.stopReason = reason
    const p = this.pending
    this.pending = undefined
    this.setState('stopping')
    if (p) {
      clearTimeout(p.timer)
      p.reject(new LlamaProcessError('stopped', `${this.label} was stopped while starting`))
    }
    this.stopping = (async () => {
      await stopWorker(s, this.opts.stopBudgetMs)
      this.inflight = 0
      this.current = undefined
      this.setState('stopped')
    })().finally(() => {
      this.stopping = undefined
    })
    return this.stopping
  }

  private armIdle(): void {
    this.clearIdle()
    if (this.opts.idleTtlMs <= 0 || this.state !== 'ready' || this.inflight > 0) return
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (this.state === 'ready' && this.inflight === 0) void this.stopInternal('idle')
    }, this.opts.idleTtlMs)
    this.idleTimer.unref()
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
  }

  private setState(state: LlamaProcessState): void {
    this.state = state
    this.emitStatus()
  }

  private emitStatus(): void {
    this.events.emit('status', this.status())
  }
}

/** Exit codes of the worker, re-exported for callers that inspect `WorkerChild` exits. */
export { WORKER_EXIT }
