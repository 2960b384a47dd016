/**
 * @module Models llmnet runs for the user: llama.cpp GGUF files in child processes and Ollama
 * (attached, or started and stopped by us). Implements the resolver's LocalModels: a node whose
 * model is `runner: "llama-cpp"` or `runner: "ollama"` without an explicit endpoint is served
 * here, started on first use, watched, restarted, unloaded when idle and stopped on quit.
 * Status changes are emitted as `model.status` events for the UI.
 */
import { describeModel, explicitEndpoint } from '../../../shared/config/models'
import type { ModelDefinition } from '../../../shared/config/schema'
import type { ModelRuntimeStatus } from '../../../shared/models/status'
import type { CompiledPipeline } from '../engine/pipeline'
import { AppError } from '../errors'
import type { EventBus } from '../events'
import type { ModelLibrary } from '../models/library'
import type { OllamaManager } from '../models/ollama/manager'
import { ollamaHostStatus, type OllamaHostStatus } from '../models/ollama/host'
import type { UpstreamPools } from '../providers/http-transport'
import type { Provider } from '../providers/provider'
import type { LocalModels } from '../engine/ports'
import { checkTool, type ToolCheck, type ToolName } from '../models/runners'
import { missingLlamaModels, pullCommand } from './missing-models'
import { OllamaModelProvider, StartOnUseProvider } from './local-providers'
import { OLLAMA_PARAMETERS } from '../../../shared/config/model-parameters'
import { blankStatus, processStatus } from './model-status'
import { LlamaCppProcess } from './process'
import { ServerRunner, toolFor } from './server-runner'
import type { ForkLike } from './worker-fork'
import type { WorkerParams } from './protocol'

export interface LocalModelManagerOptions {
  library: ModelLibrary
  events: EventBus
  /** Created on first use of an `ollama` model. */
  ollama?: () => OllamaManager
  idleTtlMs?: number
  /** Electron's utilityProcess in the app; child_process.fork headless. */
  fork?: ForkLike
  env?: NodeJS.ProcessEnv
  /** Probes vLLM, TensorRT-LLM and docker (injectable for tests). */
  checkTool?: (tool: ToolName) => Promise<ToolCheck>
  /** The runtime's upstream connections (closed on stop); else the process-wide set. */
  pools?: UpstreamPools
  /** The served pipelines: every local model they configure is listed in {@link status}. */
  pipelines?: () => readonly CompiledPipeline[]
  /** A worker that gave up after crashing tries again on a request after this long (60 s). */
  breakerCooldownMs?: number
}

/** The Rust llmnet's parameter names and their aliases, mapped to the worker's. */
export function llamaParams(
  parameters: Record<string, unknown> | undefined
): Partial<WorkerParams> {
  const p = parameters ?? {}
  const num = (...keys: string[]): number | undefined => {
    for (const k of keys) {
      const v = p[k]
      if (typeof v === 'number' && Number.isFinite(v)) return v
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
    }
    return undefined
  }
  const out: Partial<WorkerParams> = {}
  const ctx = num('n_ctx', 'ctx_size', 'context_size')
  if (ctx !== undefined) out.contextSize = ctx
  const gpu = p.n_gpu_layers ?? p.ngl ?? p.gpu_layers
  if (gpu === 'auto') out.gpuLayers = 'auto'
  else {
    const layers = num('n_gpu_layers', 'ngl', 'gpu_layers')
    if (layers !== undefined) out.gpuLayers = layers
  }
  const threads = num('threads', 'n_threads')
  if (threads !== undefined) out.threads = threads
  const batch = num('n_batch', 'batch_size')
  if (batch !== undefined) out.batchSize = batch
  // Two sequences by default: one keeps a router's evaluated prefix while the other answers,
  // so a model that both routes and answers still reuses the router prompt.
  out.parallel = num('parallel', 'n_parallel') ?? 2
  const fa = p.flash_attn ?? p.fa
  if (typeof fa === 'boolean') out.flashAttention = fa
  return out
}

/** Why a pipeline cannot answer yet; `source` when a model file is missing. */
interface NotReady {
  message: string
  source?: string
}

export class LocalModelManager implements LocalModels {
  private readonly processes = new Map<
    string,
    { handle: LlamaCppProcess; source: string; key: string }
  >()
  private readonly providers = new Map<string, Provider>()
  private readonly runners = new Map<string, ServerRunner>()
  /** Provider id → the pipelines that use it; a provider no pipeline uses is released. */
  private readonly users = new Map<string, Set<string>>()
  /** llama.cpp provider id → the process it started (processes are shared by identical models). */
  private readonly processOf = new Map<string, string>()
  /** Pipelines that cannot answer yet, by id, and why. */
  private readonly notReady = new Map<string, NotReady[]>()
  private ollama: OllamaManager | undefined

  constructor(private readonly opts: LocalModelManagerOptions) {
    // A reloaded composition gets a fresh chance: crashed models may start again.
    opts.events.on('pipeline.loaded', (e) => {
      if (e.reloaded) this.resetBreakers(e.id)
    })
  }

  /** Closes the circuit breaker of every worker a pipeline uses. */
  private resetBreakers(pipelineId: string, only?: Provider): void {
    for (const [id, users] of this.users) {
      if (!users.has(pipelineId) || (only && this.providers.get(id) !== only)) continue
      const proc = this.processOf.get(id)
      if (proc !== undefined) this.processes.get(proc)?.handle.resetBreaker()
    }
  }

  /** The Ollama server llmnet talks to (attached or started on demand), shared by every model. */
  ollamaManager(): OllamaManager {
    return this.getOllama()
  }

  private getOllama = (): OllamaManager => {
    if (!this.opts.ollama) throw new AppError('model_not_ready', 'Ollama support is not configured')
    this.ollama ??= this.opts.ollama()
    return this.ollama
  }

  /**
   * Checks every local model of a pipeline before it serves: a llama.cpp file that is missing is
   * reported with the exact `llmnet models pull …` command. The problems are kept as the
   * pipeline's not-ready state (see {@link problems}) until its model turns up.
   */
  async prepare(pipeline: CompiledPipeline): Promise<string[]> {
    const problems: NotReady[] = []
    for (const [key, model] of Object.entries(pipeline.composition.models)) {
      const tool = hasEndpoint(model) ? undefined : toolFor(model)
      if (!tool) continue
      const check = await (this.opts.checkTool ?? ((t: ToolName) => checkTool(t)))(tool)
      if (!check.ok)
        problems.push({
          message: `model "${key}" (${tool}) cannot be started: ${check.problem ?? `${tool} is not available`}`
        })
    }
    const missing = await missingLlamaModels(
      pipeline.composition.models,
      this.opts.library,
      pipeline.baseDir
    )
    problems.push(...missing.map((m) => ({ message: m.message, source: m.source })))
    if (problems.length > 0) this.notReady.set(pipeline.id, problems)
    else this.notReady.delete(pipeline.id)
    return problems.map((p) => p.message)
  }

  /** Why a pipeline cannot answer yet (from {@link prepare}); empty when it is ready. */
  problems(pipelineId: string): string[] {
    return (this.notReady.get(pipelineId) ?? []).map((p) => p.message)
  }

  /** A model file turned up (pulled while serving): pipelines waiting only for it are ready. */
  private sourceArrived(source: string): void {
    for (const [id, list] of this.notReady) {
      const rest = list.filter((p) => p.source !== source)
      if (rest.length === 0) this.notReady.delete(id)
      else this.notReady.set(id, rest)
    }
  }

  providerFor(
    pipeline: CompiledPipeline,
    modelKey: string,
    model: ModelDefinition
  ): Provider | undefined {
    if (hasEndpoint(model)) return undefined
    const info = describeModel(model)
    if (!info.source) return undefined
    if (info.runner === 'ollama' && this.opts.ollama) {
      const options = ollamaOptions(model)
      const id = `ollama\u0000${pipeline.baseDir}\u0000${info.source}\u0000${info.readTimeoutMs ?? ''}\u0000${info.idleTimeoutMs ?? ''}\u0000${JSON.stringify(options)}`
      let provider = this.providers.get(id)
      if (!provider) {
        provider = new OllamaModelProvider(this.getOllama, info.source, pipeline.baseDir, {
          readTimeoutMs: info.readTimeoutMs,
          keepAlive: ollamaKeepAlive(info.idleTimeoutMs),
          options
        })
        this.providers.set(id, provider)
      }
      return this.use(id, pipeline, provider)
    }
    if (toolFor(model)) {
      const id = `runner\u0000${pipeline.baseDir}\u0000${modelKey}\u0000${JSON.stringify(model)}`
      let provider = this.providers.get(id)
      if (!provider) {
        const runner = new ServerRunner(modelKey, model, this.opts.env ?? process.env)
        this.runners.set(id, runner)
        provider = new StartOnUseProvider(`runner:${modelKey}`, () => runner.start(), {
          pools: this.opts.pools,
          readTimeoutMs: info.readTimeoutMs,
          name: `model "${modelKey}"`
        })
        this.providers.set(id, provider)
      }
      return this.use(id, pipeline, provider)
    }
    if (info.runner !== 'llama-cpp') return undefined
    const params = llamaParams('parameters' in model ? model.parameters : undefined)
    const source = info.source
    const idleTtlMs = info.idleTimeoutMs ?? this.opts.idleTtlMs
    const id = llamaProviderId(pipeline, model)
    let provider = this.providers.get(id)
    if (!provider) {
      let handle: LlamaCppProcess | undefined
      provider = new StartOnUseProvider(
        `llama-cpp:${modelKey}`,
        async () => {
          const resolved = await this.opts.library.resolveSource(source, {
            baseDir: pipeline.baseDir
          })
          if (!resolved.present) {
            throw new AppError(
              'model_not_ready',
              `model "${modelKey}" is not downloaded; get it with: ${pullCommand(source)}`
            )
          }
          this.sourceArrived(source)
          handle = this.handleFor(resolved.localPath, params, modelKey, source, id, idleTtlMs)
          const baseUrl = await handle.ensureStarted()
          handle.touch()
          return baseUrl
        },
        {
          maxRetries: 0,
          name: `model "${modelKey}"`,
          pools: this.opts.pools,
          readTimeoutMs: info.readTimeoutMs,
          crashed: (baseUrl) => handle?.crashed(baseUrl) ?? Promise.resolve(false),
          tokenizer: true
        }
      )
      this.providers.set(id, provider)
    }
    return this.use(id, pipeline, provider)
  }

  private use(id: string, pipeline: CompiledPipeline, provider: Provider): Provider {
    const users = this.users.get(id)
    if (users) users.add(pipeline.id)
    else this.users.set(id, new Set([pipeline.id]))
    return provider
  }

  /**
   * A pipeline stopped being served: providers only it used are dropped, and model processes no
   * served pipeline uses any more are stopped unless busy (a busy one unloads when idle).
   */
  async release(pipelineId: string): Promise<void> {
    const stops: Promise<void>[] = []
    for (const [id, users] of this.users) {
      users.delete(pipelineId)
      if (users.size > 0) continue
      this.users.delete(id)
      this.providers.delete(id)
      const runner = this.runners.get(id)
      if (runner) {
        this.runners.delete(id)
        stops.push(runner.stop())
      }
      const proc = this.processOf.get(id)
      this.processOf.delete(id)
      const entry = proc === undefined ? undefined : this.processes.get(proc)
      const shared = [...this.processOf.values()].includes(proc ?? '')
      if (proc !== undefined && entry && !shared && entry.handle.status().state !== 'busy') {
        this.processes.delete(proc)
        stops.push(entry.handle.stop())
      }
    }
    await Promise.allSettled(stops)
  }

  /** One process per file and parameters, shared by every pipeline that uses them. */
  private handleFor(
    path: string,
    params: Partial<WorkerParams>,
    key: string,
    source: string,
    providerId: string,
    idleTtlMs: number | undefined
  ): LlamaCppProcess {
    const id = `${path}\u0000${JSON.stringify(params)}\u0000${idleTtlMs ?? ''}`
    this.processOf.set(providerId, id)
    let entry = this.processes.get(id)
    if (!entry) {
      const handle = new LlamaCppProcess({
        modelPath: path,
        ...params,
        idleTtlMs,
        breakerCooldownMs: this.opts.breakerCooldownMs,
        label: `model "${key}"`,
        fork: this.opts.fork
      })
      entry = { handle, source, key }
      const subject = { key, runner: 'llama-cpp' as const, source }
      handle.on('status', (s) => this.opts.events.emit('model.status', processStatus(subject, s)))
      this.processes.set(id, entry)
    }
    return entry.handle
  }

  /**
   * Every local model the served pipelines configure (llama.cpp, Ollama, vLLM, docker,
   * TensorRT-LLM), under its pipeline and key, `stopped` until used; then any worker still running
   * for a pipeline no longer served.
   */
  status(): ModelRuntimeStatus[] {
    const rows: ModelRuntimeStatus[] = []
    const listed = new Set<string>()
    for (const pipeline of this.opts.pipelines?.() ?? []) {
      for (const [key, model] of Object.entries(pipeline.composition.models)) {
        const row = this.configuredStatus(pipeline, key, model, listed)
        if (row) rows.push(row)
      }
    }
    for (const [id, e] of this.processes) {
      if (listed.has(id)) continue
      rows.push(
        processStatus({ key: e.key, runner: 'llama-cpp', source: e.source }, e.handle.status())
      )
    }
    return rows
  }

  private configuredStatus(
    pipeline: CompiledPipeline,
    key: string,
    model: ModelDefinition,
    listed: Set<string>
  ): ModelRuntimeStatus | undefined {
    if (hasEndpoint(model)) return undefined
    const info = describeModel(model)
    const subject = { key, pipeline: pipeline.id, source: info.source ?? '' }
    const tool = toolFor(model)
    if (tool) {
      const id = `runner\u0000${pipeline.baseDir}\u0000${key}\u0000${JSON.stringify(model)}`
      return blankStatus({ ...subject, runner: tool }, this.runners.get(id)?.live)
    }
    if (info.runner === 'ollama') {
      const live = [...this.providers.values()].find(
        (p): p is OllamaModelProvider =>
          p instanceof OllamaModelProvider && p.id === `ollama:${info.source}`
      )?.live
      return blankStatus({ ...subject, runner: 'ollama' }, live)
    }
    if (info.runner !== 'llama-cpp') return undefined
    const proc = this.processOf.get(llamaProviderId(pipeline, model))
    const entry = proc === undefined ? undefined : this.processes.get(proc)
    if (!entry) return blankStatus({ ...subject, runner: 'llama-cpp' })
    listed.add(proc as string)
    return processStatus({ ...subject, runner: 'llama-cpp' }, entry.handle.status())
  }

  /**
   * Loads a pipeline's model now (a user's Load) instead of on its first request: starts the
   * llama.cpp worker or server, or has Ollama load it.
   */
  async load(pipeline: CompiledPipeline, key: string): Promise<void> {
    const model = pipeline.composition.models[key]
    if (!model) throw new AppError('not_found', `pipeline "${pipeline.id}" has no model "${key}"`)
    const provider = this.providerFor(pipeline, key, model)
    if (!(provider instanceof StartOnUseProvider || provider instanceof OllamaModelProvider)) {
      throw new AppError(
        'invalid_request',
        `model "${key}" is served by its own endpoint, not by llmnet: there is nothing to load`
      )
    }
    // A user's load is a fresh chance for a model that crashed too often.
    this.resetBreakers(pipeline.id, provider)
    await provider.warm()
  }

  /** Unloads a model: its llama.cpp workers stop; Ollama is asked to unload it. */
  async unload(pipeline: CompiledPipeline, key: string): Promise<void> {
    const model = pipeline.composition.models[key]
    if (!model) throw new AppError('not_found', `pipeline "${pipeline.id}" has no model "${key}"`)
    const provider = this.providerFor(pipeline, key, model)
    if (provider instanceof OllamaModelProvider) return provider.unload()
    const procs = [...this.processOf.entries()]
      .filter(([providerId]) => this.providers.get(providerId) === provider)
      .map(([, proc]) => this.processes.get(proc)?.handle)
    await Promise.allSettled(procs.map((h) => h?.stop()))
    const runner = [...this.runners.entries()].find(([id]) => this.providers.get(id) === provider)
    await runner?.[1].stop()
  }

  /** Ollama: installed, running (where), started by llmnet, version. Never throws. */
  async ollamaStatus(): Promise<OllamaHostStatus> {
    const managedUrl = this.ollama?.managed ? this.ollama.baseUrl : undefined
    return ollamaHostStatus({ env: this.opts.env ?? process.env, managedUrl })
  }

  /** The served pipelines' models that need an Ollama llmnet finds itself (no endpoint). */
  usesOllama(pipelines: readonly CompiledPipeline[]): { pipeline: string; key: string }[] {
    return pipelines.flatMap((p) =>
      Object.entries(p.composition.models)
        .filter(([, m]) => !hasEndpoint(m) && describeModel(m).runner === 'ollama')
        .map(([key]) => ({ pipeline: p.id, key }))
    )
  }

  /** Stops every model process and a managed Ollama (each bounded). */
  async stopAll(): Promise<void> {
    await Promise.allSettled([
      ...[...this.processes.values()].map((e) => e.handle.stop()),
      ...[...this.runners.values()].map((r) => r.stop())
    ])
    await this.ollama?.stop()
  }
}

function hasEndpoint(model: ModelDefinition): boolean {
  return explicitEndpoint(model) !== undefined
}

/** The llama.cpp provider of a model: one per folder, source, parameters and timeouts. */
function llamaProviderId(pipeline: CompiledPipeline, model: ModelDefinition): string {
  const info = describeModel(model)
  const params = llamaParams('parameters' in model ? model.parameters : undefined)
  return `llama\u0000${pipeline.baseDir}\u0000${info.source}\u0000${JSON.stringify(params)}\u0000${info.readTimeoutMs ?? ''}\u0000${info.idleTimeoutMs ?? ''}`
}

/** The composition's `parameters` that are Ollama model options. */
function ollamaOptions(model: ModelDefinition): Record<string, unknown> {
  const p = ('parameters' in model ? model.parameters : undefined) ?? {}
  const keys: readonly string[] = OLLAMA_PARAMETERS
  return Object.fromEntries(Object.entries(p).filter(([k]) => keys.includes(k)))
}

/** Ollama's `keep_alive` in seconds for an idle timeout (ms, 0 = never → -1). */
function ollamaKeepAlive(idleMs: number | undefined): number | undefined {
  if (idleMs === undefined) return undefined
  return idleMs === 0 ? -1 : Math.max(0, Math.round(idleMs / 1000))
}
