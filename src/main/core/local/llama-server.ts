/**
 * @module One GGUF model served over OpenAI's chat-completions API with node-llama-cpp, inside the
 * worker process ({@link ./llama-worker.ts}). Loading (model-loader.ts) detects the GPU backend and
 * refuses models that would not fit in free memory. One reusable chat sequence per slot
 * (slots.ts) lets a request that shares a prefix with the slot's previous one (a router's constant
 * system prompt) decode only its new tokens; the reuse is reported as
 * `usage.prompt_tokens_details.cached_tokens`. A routing choice (choice.ts) samples only the
 * tokens that tell the candidates apart, reported as `usage.completion_tokens_details.sampled_tokens`.
 * `POST /v1/tokenize` counts a chat's prompt tokens the same way (for Anthropic's count_tokens).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { basename } from 'node:path'
import {
  type ChatHistoryItem,
  type ChatWrapper,
  LlamaChat,
  resolveChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaGrammar,
  type LlamaModel,
  type Token
} from 'node-llama-cpp'
import { ChatCompletionRequestSchema } from '../../../shared/openai/chat'
import { answerFrame, type AnswerFrame, ChatStream, sendCompletionJson } from './chat-answer'
import { toChatHistory } from './chat-history'
import { decide } from './choice'
import { type Choice, choiceOf, type CompletionBody, GrammarCache } from './grammars'
import { loadModel } from './model-loader'
import type {
  GpuBackend,
  ReadyMessage,
  RequestMessage,
  WorkerMemory,
  WorkerParams
} from './protocol'
import { type CompletionResult, generate, type Slot, SlotPool } from './slots'
import { checkWorkerFields } from './request-fields'
import { opensThinking, ThinkSplitter } from './think-split'
import { HttpError, readJsonBody, sendError, sendJson } from './worker-http'
import { WorkerEndpoints } from './worker-endpoints'

const TokenizeRequestSchema = ChatCompletionRequestSchema.pick({ messages: true })

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
  private grammars: GrammarCache | undefined
  private chatWrapper: ChatWrapper | undefined
  private readonly slots = new SlotPool()
  private ready: ReadyMessage | undefined
  private closing = false
  /** Embeddings and legacy completions (worker-endpoints.ts). */
  private readonly endpoints = new WorkerEndpoints(
    () =>
      this.ready && this.model && !this.closing
        ? {
            model: this.model,
            slots: this.slots,
            modelId: this.modelId,
            contextSize: this.ready.contextSize,
            threads: this.ready.threads
          }
        : undefined,
    { onRequestStart: () => this.onRequestStart(), onRequest: (m) => this.onRequest(m) }
  )

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
    const { model, context, facts } = await loadModel(this.params, this.modelId, this.log, (l) => {
      this.llama = l
      this.grammars = new GrammarCache(l)
    })
    this.model = model
    this.context = context
    // Resolved once and shared: matching the model's Jinja template against the known wrappers
    // takes ~200 ms, which LlamaChat's 'auto' would repeat per slot.
    const chatWrapper = resolveChatWrapper(model)
    this.chatWrapper = chatWrapper
    for (let i = 0; i < facts.parallel; i++) {
      const contextSequence = context.getSequence()
      this.slots.add(
        contextSequence,
        new LlamaChat({ contextSequence, chatWrapper, autoDisposeSequence: false })
      )
    }
    this.ready = { type: 'ready', port, ...facts }
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
    await this.endpoints.dispose()
    this.slots.dispose()
    await this.context?.dispose()
    await this.model?.dispose()
    await this.llama?.dispose()
  }

  /** The body of `GET /health`. */
  health(): HealthBody {
    const busy = this.slots.busy
    const r = this.ready
    const mem = process.memoryUsage()
    return {
      status: !r ? 'loading' : busy === this.slots.total ? 'busy' : 'ok',
      model: this.modelId,
      gpu: r ? r.gpu : null,
      gpuLayers: r ? r.gpuLayers : null,
      contextSize: r ? r.contextSize : null,
      threads: r ? r.threads : null,
      parallel: this.params.parallel ?? 1,
      slots: { busy, total: this.slots.total, queued: this.slots.queued },
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
      if (path === '/v1/tokenize') {
        if (req.method !== 'POST') throw new HttpError(405, 'use POST', 'method_not_allowed')
        return await this.tokenize(req, res)
      }
      if (path === '/v1/embeddings' || path === '/v1/completions')
        return await this.endpoints.handle(path, req, res)
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

  /** `{messages}` → `{count}`: the prompt's tokens, the chat template applied, as a chat counts them. */
  private async tokenize(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.ready || !this.model || !this.chatWrapper || this.closing)
      throw new HttpError(503, 'the model is still loading', 'model_not_ready')
    const body = await readJsonBody(TokenizeRequestSchema, req)
    const count = this.chatWrapper
      .generateContextState({ chatHistory: toChatHistory(body.messages) })
      .contextText.tokenize(this.model.tokenizer).length
    sendJson(res, 200, { count })
  }

  /** Reads and checks a chat request: its body, its grammar or routing choice, its prompt tokens. */
  private async prepareCompletion(req: IncomingMessage): Promise<PreparedCompletion> {
    if (!this.ready || !this.model || !this.chatWrapper || !this.grammars || this.closing)
      throw new HttpError(503, 'the model is still loading', 'model_not_ready')
    const body = (await readJsonBody(ChatCompletionRequestSchema, req)) as CompletionBody
    checkWorkerFields(body, this.modelId)
    const model = this.model
    const grammars = this.grammars
    const choice = body.grammar === undefined ? choiceOf(body) : undefined
    const grammar = choice ? undefined : await grammars.for(body)
    const history = toChatHistory(body.messages)
    const promptTokens = this.chatWrapper
      .generateContextState({ chatHistory: history })
      .contextText.tokenize(model.tokenizer)
    const stream = body.stream === true
    const frame = answerFrame(this.modelId, stream && body.stream_options?.include_usage === true)
    return { body, model, grammars, choice, grammar, history, promptTokens, stream, frame }
  }

  /**
   * Reports a finished request once: frees the slot and tells the parent. Called before the
   * answer's last bytes go out, so the parent's status is current when the client sees the end.
   */
  private reporter(slot: Slot): (result: CompletionResult | undefined) => void {
    const started = performance.now()
    let reported = false
    return (result) => {
      if (reported) return
      reported = true
      this.slots.release(slot)
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
  }

  /** `POST /v1/chat/completions`: waits for a slot, generates, answers as JSON or a stream. */
  private async completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const job = await this.prepareCompletion(req)
    const abort = new AbortController()
    res.once('close', () => {
      if (!res.writableFinished) abort.abort()
    })
    const slot = await this.slots.acquire(job.promptTokens, job.choice !== undefined)
    if (abort.signal.aborted) {
      // The client left while waiting for a slot.
      this.slots.release(slot)
      return
    }
    this.onRequestStart()
    const report = this.reporter(slot)
    try {
      const maxTokens = completionBudget(job.body, job.promptTokens.length, slot.sequence)
      // A template that ends the prompt inside `<think>` makes the answer start thinking.
      const thinkOpen = opensThinking(job.model.detokenize(job.promptTokens.slice(-8)))
      if (!job.stream) {
        const result = await this.generateFor(job, slot, maxTokens, abort.signal)
        report(result)
        return sendCompletionJson(res, job.frame, result, thinkOpen)
      }
      const out = new ChatStream(res, job.frame, new ThinkSplitter(thinkOpen))
      out.start()
      let result: CompletionResult
      try {
        result = await this.generateFor(job, slot, maxTokens, abort.signal, out)
      } catch (err) {
        out.flush()
        this.log(`generation failed: ${(err as Error).message}`)
        report(undefined)
        return out.fail(err as Error)
      }
      report(result)
      out.finish(result)
    } finally {
      report(undefined)
    }
  }

  /** Runs the generation: a routing choice samples only its deciding tokens (choice.ts). */
  private async generateFor(
    job: PreparedCompletion,
    slot: Slot,
    maxTokens: number,
    signal: AbortSignal,
    out?: ChatStream
  ): Promise<CompletionResult> {
    const { body, choice } = job
    const result = choice
      ? await decide(slot, job.model, job.grammars, job.promptTokens, choice, {
          temperature: body.temperature ?? 0,
          seed: body.seed ?? undefined,
          signal
        })
      : await generate(
          slot,
          job.history,
          job.promptTokens,
          body,
          job.grammar,
          maxTokens,
          signal,
          out?.onText,
          out?.onThought
        )
    if (choice && out) out.onText(result.text)
    out?.flush()
    return result
  }
}

/** A chat request read and checked, ready for a slot. */
interface PreparedCompletion {
  body: CompletionBody
  model: LlamaModel
  grammars: GrammarCache
  choice: Choice | undefined
  grammar: LlamaGrammar | undefined
  history: ChatHistoryItem[]
  promptTokens: Token[]
  stream: boolean
  frame: AnswerFrame
}

/**
 * The most tokens the answer may have: the request's limit, within what the slot's context has
 * left after the prompt. A prompt that fills the context is a 400.
 */
function completionBudget(
  body: CompletionBody,
  promptLength: number,
  sequence: { contextSize: number }
): number {
  const contextSize = sequence.contextSize
  if (promptLength >= contextSize) {
    throw new HttpError(
      400,
      `the prompt is ${promptLength} tokens; the context holds ${contextSize}`,
      'context_length_exceeded',
      'messages'
    )
  }
  const requested = body.max_completion_tokens ?? body.max_tokens ?? undefined
  return Math.max(1, Math.min(requested ?? Infinity, contextSize - promptLength - 1))
}
