/**
 * @module One GGUF model served over OpenAI's chat-completions API with node-llama-cpp, inside the
 * worker process ({@link ./llama-worker.ts}). Detects the GPU backend, refuses models that would
 * not fit in free memory, keeps one reusable chat sequence per slot so a request that shares a
 * prefix with the slot's previous one (a router's constant system prompt) decodes only its new
 * tokens, and reports how many prompt tokens were reused as `usage.prompt_tokens_details.cached_tokens`.
 */
import { randomUUID } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { basename } from 'node:path'
import {
  getLlama,
  GgufInsights,
  InsufficientMemoryError,
  LlamaChat,
  LlamaLogLevel,
  readGgufFileInfo,
  resolveChatWrapper,
  type ChatHistoryItem,
  type GbnfJsonSchema,
  type GgufFileInfo,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  type Token
} from 'node-llama-cpp'
import {
  ChatCompletionRequestSchema,
  type ChatCompletionRequest,
  type ChatMessage
} from '../../../shared/openai/chat'
import {
  checkMemoryFit,
  DEFAULT_CONTEXT_SIZE,
  DEFAULT_TEMPERATURE,
  formatBytes,
  pickThreads,
  WorkerFailure
} from './worker-checks'
import type {
  GpuBackend,
  ReadyMessage,
  RequestMessage,
  WorkerMemory,
  WorkerParams
} from './protocol'

const MAX_BODY_BYTES = 16 * 1024 * 1024
const GRAMMAR_CACHE_SIZE = 32

/** One parallel sequence with its chat, reused from request to request. */
interface Slot {
  index: number
  sequence: LlamaContextSequence
  chat: LlamaChat
  busy: boolean
  /** Order of last use (a counter), for least-recently-used eviction. */
  lastUsed: number
}

/** Our extension of the request: a GBNF grammar. */
type CompletionBody = ChatCompletionRequest & {
  grammar?: unknown
  presence_penalty?: unknown
  frequency_penalty?: unknown
}

/** An error answered as OpenAI's `{error: {...}}` with an HTTP status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly param?: string
  ) {
    super(message)
  }
}

/** What one completion produced and measured. */
interface CompletionResult {
  text: string
  finishReason: 'stop' | 'length'
  promptTokens: number
  evaluatedTokens: number
  completionTokens: number
  tokensPerSecond: number
}

/** The state `GET /health` reports. */
export interface HealthBody {
  status: 'ok' | 'loading' | 'busy'
  model: string
  gpu: GpuBackend | null
  gpuLayers: number | null
  contextSize: number | null
  threads: number | null
  parallel: number
  slots: { busy: number; total: number; queued: number }
  memory: WorkerMemory
}

function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content
  if (!content) return ''
  return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('')
}

/** OpenAI messages → node-llama-cpp chat history, ending with an empty model turn to complete. */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = []
  for (const m of messages) {
    const text = contentText(m.content)
    switch (m.role) {
      case 'system':
      case 'developer':
        history.push({ type: 'system', text })
        break
      case 'user':
        history.push({ type: 'user', text })
        break
      case 'assistant':
        history.push({ type: 'model', response: [text] })
        break
      default:
        // Tool results: this worker offers no function calling, so they read as user text.
        history.push({ type: 'user', text: `Tool result${m.name ? ` (${m.name})` : ''}: ${text}` })
    }
  }
  history.push({ type: 'model', response: [] })
  return history
}

/**
 * Serves one model. Create it, `listen()` (health answers `loading`), then `load()`; `close()`
 * disposes everything.
 */
export class LlamaModelServer {
  private readonly params: WorkerParams
  private readonly modelId: string
  private readonly log: (line: string) => void
  private readonly onRequest: (m: RequestMessage) => void
  private readonly onRequestStart: () => void
  private server: Server | undefined
  private llama: Llama | undefined
  private model: LlamaModel | undefined
  private context: LlamaContext | undefined
  private slots: Slot[] = []
  private readonly waiters: ((slot: Slot) => void)[] = []
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>()
  private ready: ReadyMessage | undefined
  private useCounter = 0
  private closing = false

  constructor(
    params: WorkerParams,
    hooks: {
      log?: (line: string) => void
      onRequest?: (m: RequestMessage) => void
      onRequestStart?: () => void
    } = {}
  ) {
    this.params = params
    this.modelId = params.modelId ?? basename(params.modelPath).replace(/\.gguf$/i, '')
    this.log = hooks.log ?? ((line) => process.stderr.write(`${line}\n`))
    this.onRequest = hooks.onRequest ?? (() => undefined)
    this.onRequestStart = hooks.onRequestStart ?? (() => undefined)
  }

  /** Starts the HTTP server on 127.0.0.1 (port 0 = any free port) and returns the port. */
  listen(port = 0): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res))
    server.keepAliveTimeout = 30_000
    this.server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        const address = server.address()
        resolve(typeof address === 'object' && address ? address.port : port)
      })
    })
  }

  /** Detects the GPU, checks the memory fit, loads the model and creates the slots. */
  async load(port: number): Promise<ReadyMessage> {
    const started = performance.now()
    const p = this.params
    const fileBytes = await stat(p.modelPath).then(
      (s) => s.size,
      (err: NodeJS.ErrnoException) => {
        throw new WorkerFailure(
          err.code === 'ENOENT' ? 'bad_params' : 'load_failed',
          `cannot read model file ${p.modelPath}: ${err.message}`
        )
      }
    )
    const llama = await getLlama({
      gpu: p.gpu ?? 'auto',
      // Never compile llama.cpp inside a worker: use a local build or a prebuilt binary.
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trimEnd()
        if (text) this.log(`[llama.cpp ${level}] ${text}`)
      }
    }).catch((err: unknown) => {
      throw new WorkerFailure(
        'load_failed',
        `no usable llama.cpp backend: ${(err as Error).message}`
      )
    })
    this.llama = llama
    let fileInfo: GgufFileInfo
    try {
      fileInfo = await readGgufFileInfo(p.modelPath, { readTensorInfo: true })
    } catch (err) {
      throw new WorkerFailure(
        'load_failed',
        `${p.modelPath} is not a readable GGUF file: ${(err as Error).message}`
      )
    }
    const insights = await GgufInsights.from(fileInfo, llama)
    const trainContext = insights.trainContextSize ?? DEFAULT_CONTEXT_SIZE
    const contextSize = p.contextSize ?? Math.min(DEFAULT_CONTEXT_SIZE, trainContext)
    const sequences = p.parallel ?? 1
    const threads = pickThreads({
      explicit: p.threads,
      fileBytes,
      cpuMathCores: llama.cpuMathCores
    })

    let gpuLayers: number
    if (llama.gpu === false || !llama.supportsGpuOffloading) gpuLayers = 0
    else if (typeof p.gpuLayers === 'number')
      gpuLayers = Math.min(p.gpuLayers, insights.totalLayers)
    else {
      try {
        const resolved = await insights.configurationResolver.resolveModelGpuLayersV2(
          { fitContext: { contextSize: contextSize * sequences } },
          { defaultContextFlashAttention: p.flashAttention }
        )
        gpuLayers = resolved.gpuLayers
      } catch (err) {
        if (!(err instanceof InsufficientMemoryError)) throw err
        gpuLayers = 0
      }
    }
    await checkMemoryFit({
      llama,
      insights,
      modelName: this.modelId,
      contextSize,
      sequences,
      gpuLayers,
      batchSize: p.batchSize,
      flashAttention: p.flashAttention,
      budget: p.memoryBudget
    })

    const modelStarted = performance.now()
    try {
      this.model = await llama.loadModel({
        modelPath: p.modelPath,
        gpuLayers,
        defaultContextFlashAttention: p.flashAttention
      })
      this.context = await this.model.createContext({
        contextSize,
        sequences,
        threads,
        batchSize: p.batchSize,
        flashAttention: p.flashAttention
      })
    } catch (err) {
      if (err instanceof InsufficientMemoryError) {
        throw new WorkerFailure(
          'insufficient_memory',
          `model "${this.modelId}" does not fit in memory: ${err.message}`
        )
      }
      throw new WorkerFailure(
        'load_failed',
        `cannot load ${p.modelPath}: ${(err as Error).message}`
      )
    }
    const context = this.context
    const modelLoadMs = Math.round(performance.now() - modelStarted)
    // Resolved once and shared: matching the model's Jinja template against the known wrappers
    // takes ~200 ms, which LlamaChat's 'auto' would repeat per slot.
    const chatWrapper = resolveChatWrapper(this.model)
    for (let i = 0; i < sequences; i++) {
      const sequence = context.getSequence()
      const chat = new LlamaChat({
        contextSequence: sequence,
        chatWrapper,
        autoDisposeSequence: false
      })
      this.slots.push({ index: i, sequence, chat, busy: false, lastUsed: 0 })
    }
    const usage = await llama.getLlamaMemoryUsage().catch(() => ({ cpuRam: 0, gpuVram: 0 }))
    this.ready = {
      type: 'ready',
      port,
      model: this.modelId,
      gpu: llama.gpu,
      gpuLayers: this.model.gpuLayers,
      totalLayers: insights.totalLayers,
      ramBytes: usage.cpuRam || this.model.memoryUsage.ram + context.memoryUsage.ram,
      vramBytes: usage.gpuVram || this.model.memoryUsage.vram + context.memoryUsage.vram,
      contextSize: context.contextSize,
      threads: context.currentThreads || threads,
      parallel: sequences,
      loadMs: Math.round(performance.now() - started),
      modelLoadMs
    }
    return this.ready
  }

  /** Stops listening and disposes the chats, context, model and backend. */
  async close(): Promise<void> {
    this.closing = true
    const server = this.server
    if (server) {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    for (const slot of this.slots) slot.chat.dispose({ disposeSequence: true })
    this.slots = []
    await this.context?.dispose()
    await this.model?.dispose()
    await this.llama?.dispose()
  }

  /** The body of `GET /health`. */
  health(): HealthBody {
    const busy = this.slots.filter((s) => s.busy).length
    const r = this.ready
    const mem = process.memoryUsage()
    return {
      status: !r ? 'loading' : busy === this.slots.length ? 'busy' : 'ok',
      model: this.modelId,
      gpu: r ? r.gpu : null,
      gpuLayers: r ? r.gpuLayers : null,
      contextSize: r ? r.contextSize : null,
      threads: r ? r.threads : null,
      parallel: this.params.parallel ?? 1,
      slots: { busy, total: this.slots.length, queued: this.waiters.length },
      memory: {
        ramBytes: (this.model?.memoryUsage.ram ?? 0) + (this.context?.memoryUsage.ram ?? 0),
        vramBytes: (this.model?.memoryUsage.vram ?? 0) + (this.context?.memoryUsage.vram ?? 0),
        rssBytes: mem.rss
      }
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    try {
      if (path === '/health' && req.method === 'GET') return sendJson(res, 200, this.health())
      if (path === '/v1/models' && req.method === 'GET') {
        return sendJson(res, 200, {
          object: 'list',
          data: [
            {
              id: this.modelId,
              object: 'model',
              created: Math.floor(Date.now() / 1000),
              owned_by: 'llmnet'
            }
          ]
        })
      }
      if (path === '/v1/chat/completions') {
        if (req.method !== 'POST') throw new HttpError(405, 'use POST', 'method_not_allowed')
        return await this.completions(req, res)
      }
      throw new HttpError(404, `no route ${req.method} ${path}`, 'not_found')
    } catch (err) {
      if (res.headersSent) {
        if (!res.writableEnded) res.end()
        return
      }
      if (err instanceof HttpError)
        return sendError(res, err.status, err.message, err.code, err.param)
      this.log(`request failed: ${(err as Error).stack ?? String(err)}`)
      sendError(res, 500, (err as Error).message, 'internal_error')
    }
  }

  private async completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.ready || !this.model || this.closing)
      throw new HttpError(503, 'the model is still loading', 'model_not_ready')
    const raw = await readBody(req)
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch {
      throw new HttpError(400, 'the body is not valid JSON', 'invalid_json')
    }
    const parsed = ChatCompletionRequestSchema.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const param = issue?.path.join('.')
      throw new HttpError(
        400,
        `invalid request: ${param ? `${param}: ` : ''}${issue?.message ?? 'invalid'}`,
        'invalid_request',
        param
      )
    }
    const body = parsed.data as CompletionBody
    const grammar = await this.grammarFor(body)
    const history = toChatHistory(body.messages)
    const model = this.model
    const id = `chatcmpl-${randomUUID()}`
    const created = Math.floor(Date.now() / 1000)
    const stream = body.stream === true
    const includeUsage = stream && body.stream_options?.include_usage === true
    const abort = new AbortController()
    res.once('close', () => {
      if (!res.writableFinished) abort.abort()
    })

    const slot = await this.acquire(history)
    if (abort.signal.aborted) {
      // The client left while waiting for a slot.
      this.release(slot)
      return
    }
    this.onRequestStart()
    const started = performance.now()
    let reported = false
    // Reported before the answer's last bytes go out, so the parent's status is current when the
    // client sees the end of the answer.
    const report = (result: CompletionResult | undefined): void => {
      if (reported) return
      reported = true
      this.release(slot)
      this.onRequest({
        type: 'request',
        promptTokens: result?.promptTokens ?? 0,
        evaluatedTokens: result?.evaluatedTokens ?? 0,
        completionTokens: result?.completionTokens ?? 0,
        tokensPerSecond: result?.tokensPerSecond ?? 0,
        durationMs: Math.round(performance.now() - started),
        ok: result !== undefined
      })
    }
    try {
      const promptTokens = slot.chat.chatWrapper
        .generateContextState({ chatHistory: history })
        .contextText.tokenize(model.tokenizer)
      const contextSize = slot.sequence.contextSize
      if (promptTokens.length >= contextSize) {
        throw new HttpError(
          400,
          `the prompt is ${promptTokens.length} tokens; the context holds ${contextSize}`,
          'context_length_exceeded',
          'messages'
        )
      }
      const requested = body.max_completion_tokens ?? body.max_tokens ?? undefined
      const maxTokens = Math.max(
        1,
        Math.min(requested ?? Infinity, contextSize - promptTokens.length - 1)
      )
      const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
        `data: ${JSON.stringify({
          id,
          object: 'chat.completion.chunk',
          created,
          model: this.modelId,
          system_fingerprint: null,
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
          ...(includeUsage ? { usage: null } : {})
        })}\n\n`
      if (stream) {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive'
        })
        res.write(chunk({ role: 'assistant', content: '' }, null))
      }
      let result: CompletionResult
      try {
        const onText = stream
          ? (text: string): void => void (text && res.write(chunk({ content: text }, null)))
          : undefined
        result = await this.generate(
          slot,
          history,
          promptTokens,
          body,
          grammar,
          maxTokens,
          abort.signal,
          onText
        )
      } catch (err) {
        if (!stream) throw err
        this.log(`generation failed: ${(err as Error).message}`)
        report(undefined)
        res.end(
          `data: ${JSON.stringify({ error: { message: (err as Error).message, type: 'server_error', code: 'generation_failed' } })}\n\n`
        )
        return
      }
      report(result)
      const usage = {
        prompt_tokens: result.promptTokens,
        completion_tokens: result.completionTokens,
        total_tokens: result.promptTokens + result.completionTokens,
        prompt_tokens_details: { cached_tokens: result.promptTokens - result.evaluatedTokens }
      }
      if (stream) {
        let tail = chunk({}, result.finishReason)
        if (includeUsage) {
          tail += `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: this.modelId, system_fingerprint: null, choices: [], usage })}\n\n`
        }
        res.end(`${tail}data: [DONE]\n\n`)
      } else {
        sendJson(res, 200, {
          id,
          object: 'chat.completion',
          created,
          model: this.modelId,
          system_fingerprint: null,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: result.text },
              logprobs: null,
              finish_reason: result.finishReason
            }
          ],
          usage
        })
      }
    } finally {
      report(undefined)
    }
  }

  /**
   * Runs one generation on a slot. The slot's LlamaChat compares the new prompt with the tokens
   * already in its sequence and decodes only from the first difference; the sequence's token meter
   * proves it: every decoded token is metered, prompt tokens as input except the last one (which
   * yields logits, so it counts as output, like every sampled token fed back).
   */
  private async generate(
    slot: Slot,
    history: ChatHistoryItem[],
    promptTokens: Token[],
    body: CompletionBody,
    grammar: LlamaGrammar | undefined,
    maxTokens: number,
    signal: AbortSignal,
    onText: ((text: string) => void) | undefined
  ): Promise<CompletionResult> {
    const meter = slot.sequence.tokenMeter
    const before = meter.getState()
    let firstTokenAt: number | undefined
    const stops =
      body.stop === undefined || body.stop === null
        ? []
        : (Array.isArray(body.stop) ? body.stop : [body.stop]).filter((s) => s.length > 0)
    const penalty = (v: unknown): number | undefined =>
      typeof v === 'number' && v !== 0 ? v : undefined
    const presence = penalty(body.presence_penalty)
    const frequency = penalty(body.frequency_penalty)
    const options = {
      maxTokens,
      temperature: body.temperature ?? DEFAULT_TEMPERATURE,
      topP: body.top_p ?? undefined,
      seed: body.seed ?? undefined,
      signal,
      stopOnAbortSignal: true,
      customStopTriggers: stops.length ? stops : undefined,
      repeatPenalty:
        presence !== undefined || frequency !== undefined
          ? { presencePenalty: presence, frequencyPenalty: frequency }
          : undefined,
      onToken: () => {
        firstTokenAt ??= performance.now()
      },
      onTextChunk: onText
    }
    const response = grammar
      ? await slot.chat.generateResponse(history, { ...options, grammar })
      : await slot.chat.generateResponse(history, options)
    const end = performance.now()
    const used = TokenMetered.diff(meter.getState(), before)
    // Sampled tokens = decodes that produced logits (the prompt's last token, then each sampled
    // token fed back, except the final one). Evaluated prompt tokens = logit-less decodes + 1.
    const completionTokens = used.output
    const evaluatedTokens = Math.min(promptTokens.length, used.input + (used.output > 0 ? 1 : 0))
    const genMs = firstTokenAt !== undefined ? end - firstTokenAt : 0
    return {
      text: response.response,
      finishReason: response.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
      promptTokens: promptTokens.length,
      evaluatedTokens,
      completionTokens,
      tokensPerSecond:
        completionTokens > 1 && genMs > 0 ? (completionTokens - 1) / (genMs / 1000) : 0
    }
  }

  /** The grammar a request asks for: `response_format` json_schema / json_object, or `grammar` (GBNF). */
  private async grammarFor(body: CompletionBody): Promise<LlamaGrammar | undefined> {
    const llama = this.llama
    if (!llama) return undefined
    const format = body.response_format ?? undefined
    const gbnf = body.grammar
    if (gbnf !== undefined && gbnf !== null && typeof gbnf !== 'string')
      throw new HttpError(400, 'grammar must be a GBNF string', 'invalid_request', 'grammar')
    if (typeof gbnf === 'string' && format && format.type !== 'text') {
      throw new HttpError(
        400,
        'use either grammar or response_format, not both',
        'invalid_request',
        'grammar'
      )
    }
    let key: string
    let create: () => Promise<LlamaGrammar>
    if (typeof gbnf === 'string' && gbnf.trim()) {
      key = `gbnf:${gbnf}`
      create = () => llama.createGrammar({ grammar: gbnf })
    } else if (format?.type === 'json_object') {
      key = 'json'
      create = () => llama.getGrammarFor('json')
    } else if (format?.type === 'json_schema') {
      const schema = (format as { json_schema?: { schema?: unknown } }).json_schema?.schema
      if (typeof schema !== 'object' || schema === null) {
        throw new HttpError(
          400,
          'response_format.json_schema.schema must be an object',
          'invalid_request',
          'response_format'
        )
      }
      key = `schema:${JSON.stringify(schema)}`
      create = () => llama.createGrammarForJsonSchema<GbnfJsonSchema>(schema as GbnfJsonSchema)
    } else if (!format || format.type === 'text') {
      return undefined
    } else {
      throw new HttpError(
        400,
        `response_format type "${format.type}" is not supported`,
        'invalid_request',
        'response_format'
      )
    }
    let pending = this.grammars.get(key)
    if (!pending) {
      pending = create()
      this.grammars.set(key, pending)
      if (this.grammars.size > GRAMMAR_CACHE_SIZE)
        this.grammars.delete(this.grammars.keys().next().value as string)
      pending.catch(() => this.grammars.delete(key))
    }
    try {
      return await pending
    } catch (err) {
      const param = key.startsWith('gbnf:') ? 'grammar' : 'response_format'
      throw new HttpError(
        400,
        `cannot use this ${param}: ${(err as Error).message}`,
        'invalid_request',
        param
      )
    }
  }

  /**
   * Takes a free slot: the one whose state shares the longest prefix with this prompt when that
   * prefix is at least half the prompt (a real reuse), else the one with the least to lose, so that
   * a router's prefix (or two routers', given enough slots) survives between decisions. Waits
   * (FIFO) when every slot is busy.
   */
  private acquire(history: ChatHistoryItem[]): Promise<Slot> {
    const free = this.slots.filter((s) => !s.busy)
    const first = free[0]
    if (first && this.model) {
      let best = first
      if (free.length > 1) {
        const tokens = first.chat.chatWrapper
          .generateContextState({ chatHistory: history })
          .contextText.tokenize(this.model.tokenizer)
        let bestShared = -1
        for (const s of free) {
          const shared = s.sequence.compareContextTokens(tokens).firstDifferentIndex
          if (shared > bestShared) {
            bestShared = shared
            best = s
          }
        }
        if (bestShared < tokens.length / 2) {
          // No real reuse: evict the slot whose state is cheapest to lose (fewest evaluated
          // tokens, then least recently used), so a router's long constant prefix survives the
          // short answers that come between its decisions.
          const size = (x: Slot): number => x.sequence.contextTokens.length
          best = free.reduce((a, b) =>
            size(b) < size(a) || (size(b) === size(a) && b.lastUsed < a.lastUsed) ? b : a
          )
        }
      }
      best.busy = true
      best.lastUsed = ++this.useCounter
      return Promise.resolve(best)
    }
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  private release(slot: Slot): void {
    const next = this.waiters.shift()
    if (next) {
      slot.lastUsed = ++this.useCounter
      next(slot)
    } else slot.busy = false
  }
}

/** Token meter arithmetic with short names. */
const TokenMetered = {
  diff(
    after: { usedInputTokens: number; usedOutputTokens: number },
    before: { usedInputTokens: number; usedOutputTokens: number }
  ) {
    return {
      input: after.usedInputTokens - before.usedInputTokens,
      output: after.usedOutputTokens - before.usedOutputTokens
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY_BYTES) {
        reject(
          new HttpError(
            413,
            `the body is larger than ${formatBytes(MAX_BODY_BYTES)}`,
            'body_too_large'
          )
        )
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.once('error', reject)
  })
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text)
  })
  res.end(text)
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  code: string,
  param?: string
): void {
  sendJson(res, status, {
    error: {
      message,
      type: status >= 500 ? 'server_error' : 'invalid_request_error',
      param: param ?? null,
      code
    }
  })
}
