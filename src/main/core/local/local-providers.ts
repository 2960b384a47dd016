/**
 * @module The providers of models llmnet runs: a server started on first use (a llama.cpp
 * worker, vLLM, docker), retried once on a restarted worker after a crash before any answer was
 * passed on; and an Ollama model, pulled or created when missing. Both can be warmed by hand.
 */
import { AppError, errorCode } from '../errors'
import type { OllamaManager } from '../models/ollama/manager'
import type { LiveState } from './server-runner'
import type { UpstreamPools } from '../providers/http-transport'
import { OpenAICompatibleProvider } from '../providers/openai-compatible'
import type { ChatMessage } from '../../../shared/openai/chat'
import type {
  CallOptions,
  DeltaHandler,
  EndpointEventHandler,
  EndpointProvider,
  EndpointRequest,
  Provider,
  ProviderRequest,
  ProviderResponse,
  StreamEnd
} from '../providers/provider'

/** Options of {@link StartOnUseProvider}'s HTTP calls. */
export interface StartOnUseOptions {
  /** 0 for our own workers: a dead port means a crash, which the handle restarts. */
  maxRetries?: number
  pools?: UpstreamPools
  /** The model's `timeout`. */
  readTimeoutMs?: number
  /** How messages name it: `model "x"`. */
  name?: string
  /**
   * For our own workers: whether the server at this base URL crashed. A request whose connection
   * to it broke before any of its answer was passed on is then sent once more, to the restarted
   * worker.
   */
  crashed?: (baseUrl: string) => Promise<boolean>
  /** Our llama.cpp workers: the server counts a chat's prompt tokens at `/v1/tokenize`. */
  tokenizer?: boolean
}

/** Transport failures that a worker's death causes (undici reports a reset socket as ECONNRESET). */
const BROKEN_CONNECTION = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET'])

function brokenConnection(err: unknown): boolean {
  return (
    err instanceof AppError &&
    err.code === 'upstream_error' &&
    BROKEN_CONNECTION.has(errorCode(err.cause) ?? '')
  )
}

/**
 * A provider whose server is started on first use (a llama.cpp worker, a vLLM or docker server)
 * and may move to another port when it restarts; requests then go over plain OpenAI HTTP.
 */
export class StartOnUseProvider implements Provider, EndpointProvider {
  private http: OpenAICompatibleProvider | undefined
  /** Present on servers that count tokens (see {@link countsTokens}). */
  readonly countTokens?: (messages: readonly ChatMessage[], opts?: CallOptions) => Promise<number>

  constructor(
    readonly id: string,
    /** Starts (or finds) the server and returns its `/v1` base URL. */
    private readonly start: () => Promise<string>,
    private readonly httpOptions: StartOnUseOptions
  ) {
    if (httpOptions.tokenizer) {
      this.countTokens = async (messages, opts) => {
        const body = { messages }
        const answer = await this.endpoint({ path: 'tokenize', body }, undefined, opts)
        const count = (answer as { count?: unknown } | null)?.count
        if (typeof count !== 'number')
          throw new AppError('upstream_error', `${this.id} answered no token count`)
        return count
      }
    }
  }

  /** Starts the server now (a user's Load), instead of on the first request. */
  async warm(): Promise<void> {
    await this.backend()
  }

  /** The server's provider, and how long this call waited for it to start (0 when it was up). */
  private async backend(): Promise<{ provider: OpenAICompatibleProvider; waitedMs: number }> {
    let baseUrl: string
    const started = performance.now()
    try {
      baseUrl = await this.start()
    } catch (err) {
      if (err instanceof AppError) throw err
      const name = this.httpOptions.name ?? this.id
      throw new AppError('model_not_ready', `${name} is not ready: ${(err as Error).message}`, {
        cause: err
      })
    }
    // A new base URL is a server that was just started (or restarted): the wait was its load.
    let provider = this.http
    const fresh = !provider || provider.id !== baseUrl
    if (!provider || fresh) {
      const { crashed: _crashed, name: _name, readTimeoutMs, ...options } = this.httpOptions
      provider = new OpenAICompatibleProvider({
        baseUrl,
        // Its port is internal: messages name the model instead.
        label: this.httpOptions.name ?? this.id,
        ...options,
        ...(readTimeoutMs !== undefined && { readTimeoutMs })
      })
      this.http = provider
    }
    return { provider, waitedMs: fresh ? Math.round(performance.now() - started) : 0 }
  }

  /**
   * Runs `call`, and once more on a restarted server when the first server crashed under it and
   * `unsent()` says nothing of the answer was passed on yet.
   */
  private async withCrashRetry<T>(
    call: (backend: Provider, waitedMs: number) => Promise<T>,
    unsent: () => boolean,
    opts?: CallOptions
  ): Promise<T> {
    const first = await this.backend()
    try {
      return await call(first.provider, first.waitedMs)
    } catch (err) {
      const crashed = this.httpOptions.crashed
      if (!crashed || !unsent() || opts?.signal?.aborted || !brokenConnection(err)) throw err
      if (!(await crashed(first.provider.id))) throw err
      const again = await this.backend()
      return call(again.provider, first.waitedMs + again.waitedMs)
    }
  }

  chat(req: ProviderRequest, opts?: CallOptions): Promise<ProviderResponse> {
    return this.withCrashRetry(
      async (b, loadMs) => {
        const res = await b.chat(req, opts)
        return loadMs > 0 ? { ...res, loadMs } : res
      },
      () => true,
      opts
    )
  }

  stream(req: ProviderRequest, onDelta: DeltaHandler, opts?: CallOptions): Promise<StreamEnd> {
    let sent = false
    const forward: DeltaHandler = (delta) => {
      sent = true
      return onDelta(delta)
    }
    return this.withCrashRetry(
      async (b, loadMs) => {
        const end = await b.stream(req, forward, opts)
        return loadMs > 0 ? { ...end, loadMs } : end
      },
      () => !sent,
      opts
    )
  }

  /** Embeddings, legacy completions and token counts, on the started server. */
  async endpoint(
    req: EndpointRequest,
    onEvent?: EndpointEventHandler,
    opts?: CallOptions
  ): Promise<unknown> {
    return (await this.backend()).provider.endpoint(req, onEvent, opts)
  }
}

/** How an Ollama model is called: the composition's `timeout`, idle time and parameters. */
export interface OllamaModelOptions {
  /** The model's `timeout`; else the provider's default. */
  readTimeoutMs?: number
  /** Ollama's `keep_alive`: seconds, -1 for ever. */
  keepAlive?: number
  /** Ollama model options from the composition's `parameters`. */
  options?: Record<string, unknown>
}

/** Ollama: attach or start on first use, make sure the model exists, then use its native API. */
export class OllamaModelProvider implements Provider, EndpointProvider {
  readonly id: string
  /** For the status rows: stopped until first used. */
  readonly live: LiveState = { state: 'stopped', lastError: null, lastUsed: null }
  private ready: Promise<{ provider: Provider; model: string }> | undefined

  constructor(
    private readonly manager: () => OllamaManager,
    private readonly source: string,
    private readonly baseDir: string,
    private readonly callOptions: OllamaModelOptions = {}
  ) {
    this.id = `ollama:${source}`
  }

  /** Connects, pulls or creates the model if needed, and asks Ollama to load it now. */
  async warm(): Promise<void> {
    const { model } = await this.backend()
    await this.manager().load(model)
  }

  /** Asks Ollama to unload the model. */
  async unload(): Promise<void> {
    if (!this.ready) return
    const { model } = await this.backend()
    await this.manager().unload(model)
    this.live.state = 'stopped'
  }

  private async backend(): Promise<{ provider: Provider; model: string }> {
    this.live.lastUsed = Date.now()
    if (!this.ready) this.live.state = 'starting'
    this.ready ??= (async () => {
      const manager = this.manager()
      try {
        await manager.connect()
        const model = await manager.ensureModel(this.source, { baseDir: this.baseDir })
        const { readTimeoutMs, keepAlive, options } = this.callOptions
        const provider = manager.provider({
          ...(readTimeoutMs && { readTimeoutMs }),
          ...(keepAlive !== undefined && { keepAlive }),
          ...(options && Object.keys(options).length > 0 && { options })
        })
        this.live.lastError = null
        return { provider, model }
      } catch (err) {
        this.ready = undefined
        Object.assign(this.live, { state: 'error', lastError: (err as Error).message })
        throw new AppError(
          'model_not_ready',
          `Ollama model ${this.source} is not ready: ${(err as Error).message}`,
          { cause: err }
        )
      }
    })()
    const backend = await this.ready
    this.live.state = 'ready'
    return backend
  }

  async chat(req: ProviderRequest, opts?: CallOptions): Promise<ProviderResponse> {
    const { provider, model } = await this.backend()
    return provider.chat({ ...req, model }, opts)
  }

  async stream(
    req: ProviderRequest,
    onDelta: DeltaHandler,
    opts?: CallOptions
  ): Promise<StreamEnd> {
    const { provider, model } = await this.backend()
    return provider.stream({ ...req, model }, onDelta, opts)
  }

  /**
   * Embeddings through Ollama's native `/api/embed` (answered in OpenAI's shape); legacy
   * completions through its OpenAI-compatible `/v1/completions`, which takes `suffix`.
   */
  async endpoint(
    req: EndpointRequest,
    onEvent?: EndpointEventHandler,
    opts?: CallOptions
  ): Promise<unknown> {
    const { model } = await this.backend()
    const manager = this.manager()
    if (req.path === 'embeddings') return ollamaEmbed(manager, model, req.body)
    const http = new OpenAICompatibleProvider({
      baseUrl: manager.openAIBaseUrl,
      ...(this.callOptions.readTimeoutMs !== undefined && {
        readTimeoutMs: this.callOptions.readTimeoutMs
      })
    })
    return http.endpoint({ ...req, body: { ...req.body, model } }, onEvent, opts)
  }
}

/** Ollama's `/api/embed` for an OpenAI embeddings body, answered in OpenAI's shape. */
async function ollamaEmbed(
  manager: OllamaManager,
  model: string,
  body: Record<string, unknown>
): Promise<unknown> {
  const input = body.input as string | unknown[]
  // Ollama's /api/embed takes text only; token arrays would come back as its bare 400.
  if (typeof input !== 'string' && !input.every((x): x is string => typeof x === 'string')) {
    throw new AppError(
      'invalid_request',
      `Ollama model ${model} embeds text only: send input as a string or an array of strings, not token ids`,
      { param: 'input' }
    )
  }
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : undefined
  const client = await manager.client()
  let res: { embeddings: number[][]; prompt_eval_count?: number }
  try {
    res = await client.embed({ model, input, ...(dimensions ? { dimensions } : {}) })
  } catch (err) {
    throw new AppError(
      'upstream_error',
      `Ollama could not embed with ${model}: ${(err as Error).message}`,
      { cause: err }
    )
  }
  const tokens = res.prompt_eval_count ?? 0
  return {
    object: 'list',
    data: res.embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens }
  }
}
