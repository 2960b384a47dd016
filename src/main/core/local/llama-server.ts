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
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { basename } from 'node:path'
import {
  type ChatWrapper,
  LlamaChat,
  resolveChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaModel
} from 'node-llama-cpp'
import { ChatCompletionRequestSchema } from '../../../shared/openai/chat'
import { toChatHistory } from './chat-history'
import { decide } from './choice'
import { choiceOf, type CompletionBody, GrammarCache } from './grammars'
import { loadModel } from './model-loader'
import type {
  GpuBackend,
  ReadyMessage,
  RequestMessage,
  WorkerMemory,
  WorkerParams
} from './protocol'
import { type CompletionResult, generate, SlotPool } from './slots'
import { checkWorkerFields } from './request-fields'
import { opensThinking, splitThinking, ThinkSplitter } from './think-split'
import { HttpError, readJsonBody, sendError, sendJson, TextCoalescer } from './worker-http'
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

  private async completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    const id = `chatcmpl-${randomUUID()}`
    const created = Math.floor(Date.now() / 1000)
    const stream = body.stream === true
    const includeUsage = stream && body.stream_options?.include_usage === true
    const abort = new AbortController()
    res.once('close', () => {
      if (!res.writableFinished) abort.abort()
    })

    const slot = await this.slots.acquire(promptTokens, choice !== undefined)
    if (abort.signal.aborted) {
      // The client left while waiting for a slot.
      this.slots.release(slot)
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
    try {
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
      // A template that ends the prompt inside `<think>` makes the answer start thinking.
      const thinkOpen = opensThinking(model.detokenize(promptTokens.slice(-8)))
      const thinking = new ThinkSplitter(thinkOpen)
      // A text chunk is the same envelope around the text: built once, not per token.
      const [textHead, textTail] = chunk({ content: '\u0000' }, null).split('"\\u0000"') as [
        string,
        string
      ]
      if (stream) {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive'
        })
        res.write(chunk({ role: 'assistant', content: '' }, null))
      }
      let result: CompletionResult
      const coalescer = stream
        ? new TextCoalescer((text) => res.write(textHead + JSON.stringify(text) + textTail))
        : undefined
      try {
        // Thoughts go out at once; answer text is coalesced (one write per 10 ms at most).
        const writeSplit = (text: string): void => {
          const part = thinking.push(text)
          if (part.reasoning) {
            coalescer?.flush()
            res.write(chunk({ reasoning_content: part.reasoning }, null))
          }
          if (part.content) coalescer?.push(part.content)
        }
        const onText = coalescer
          ? (text: string): void => void (text && writeSplit(text))
          : undefined
        const onThought = coalescer
          ? (text: string): void => {
              coalescer.flush()
              res.write(chunk({ reasoning_content: text }, null))
            }
          : undefined
        result = choice
          ? await decide(slot, model, grammars, promptTokens, choice, {
              temperature: body.temperature ?? 0,
              seed: body.seed ?? undefined,
              signal: abort.signal
            })
          : await generate(
              slot,
              history,
              promptTokens,
              body,
              grammar,
              maxTokens,
              abort.signal,
              onText,
              onThought
            )
        if (choice && onText) onText(result.text)
        coalescer?.flush()
      } catch (err) {
        if (!stream) throw err
        coalescer?.flush()
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
        prompt_tokens_details: { cached_tokens: result.promptTokens - result.evaluatedTokens },
        completion_tokens_details: { sampled_tokens: result.sampledTokens }
      }
      if (stream) {
        const held = thinking.end()
        if (held.reasoning) res.write(chunk({ reasoning_content: held.reasoning }, null))
        if (held.content) res.write(chunk({ content: held.content }, null))
        let tail = chunk({}, result.finishReason)
        if (includeUsage) {
          tail += `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: this.modelId, system_fingerprint: null, choices: [], usage })}\n\n`
        }
        res.end(`${tail}data: [DONE]\n\n`)
      } else {
        const split = splitThinking(result.text, thinkOpen)
        const reasoning = result.thoughts + split.reasoning
        sendJson(res, 200, {
          id,
          object: 'chat.completion',
          created,
          model: this.modelId,
          system_fingerprint: null,
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: split.content,
                ...(reasoning && { reasoning_content: reasoning })
              },
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
}
