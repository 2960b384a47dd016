/**
 * @module The llama.cpp worker's other OpenAI endpoints, next to its chat completions:
 * - `POST /v1/embeddings`: node-llama-cpp's embedding context (created on first use, kept);
 * - `POST /v1/completions`: legacy completions on a free slot's sequence; with `suffix`,
 *   fill-in-the-middle from the GGUF's FIM tokens (prefix/suffix/middle), and a 400
 *   `fim_not_supported` naming the reason when the model has none.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  LlamaCompletion,
  type LlamaCompletionGenerationOptions,
  type LlamaEmbeddingContext,
  type LlamaModel,
  type Token
} from 'node-llama-cpp'
import {
  type CompletionRequest,
  CompletionRequestSchema,
  promptText
} from '../../../shared/openai/completions'
import { embeddingInputs, EmbeddingsRequestSchema } from '../../../shared/openai/embeddings'
import type { RequestMessage } from './protocol'
import type { SlotPool } from './slots'
import { DEFAULT_TEMPERATURE } from './worker-checks'
import { HttpError, readJsonBody, sendJson } from './worker-http'

/** What the endpoints need from the loaded server; undefined while loading or closing. */
export interface LoadedState {
  model: LlamaModel
  slots: SlotPool
  modelId: string
  contextSize: number
  /** The worker's CPU threads (see `pickThreads`): the embedding context uses the same count. */
  threads: number
}

export interface EndpointHooks {
  onRequestStart: () => void
  onRequest: (m: RequestMessage) => void
}

export class WorkerEndpoints {
  private embedding: Promise<LlamaEmbeddingContext> | undefined

  constructor(
    private readonly state: () => LoadedState | undefined,
    private readonly hooks: EndpointHooks
  ) {}

  /** Answers `path` (`/v1/embeddings` or `/v1/completions`). */
  async handle(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST', 'method_not_allowed')
    const state = this.state()
    if (!state) throw new HttpError(503, 'the model is still loading', 'model_not_ready')
    if (path === '/v1/embeddings') return this.embeddings(state, req, res)
    return this.completions(state, req, res)
  }

  async dispose(): Promise<void> {
    const ctx = await this.embedding?.catch(() => undefined)
    await ctx?.dispose()
  }

  private async embeddings(
    state: LoadedState,
    req: IncomingMessage,
    res: ServerResponse
  ): Promise<void> {
    const body = await readJsonBody(EmbeddingsRequestSchema, req)
    // The same threads as the chat context: node-llama-cpp's default (every core) spins at each
    // barrier and made embeddings many times slower on a busy machine.
    this.embedding ??= state.model.createEmbeddingContext({
      contextSize: Math.min(state.contextSize, state.model.trainContextSize),
      threads: state.threads
    })
    let ctx: LlamaEmbeddingContext
    try {
      ctx = await this.embedding
    } catch (err) {
      this.embedding = undefined
      throw new HttpError(
        400,
        `model ${state.modelId} cannot compute embeddings: ${(err as Error).message}`,
        'embeddings_not_supported',
        'model'
      )
    }
    const inputs = embeddingInputs(body.input)
    const data: { object: 'embedding'; index: number; embedding: number[] }[] = []
    let tokens = 0
    for (const [index, raw] of inputs.entries()) {
      // Token arrays are the model's own token ids (OpenAI's `input` as tokens).
      const input = raw as string | Token[]
      const length = ctx.calculateInputLength(input)
      if (length > ctx.model.trainContextSize) {
        throw new HttpError(
          400,
          `input ${index} is ${length} tokens; the model embeds at most ${ctx.model.trainContextSize}`,
          'context_length_exceeded',
          'input'
        )
      }
      tokens += length
      const vector = [...(await ctx.getEmbeddingFor(input)).vector]
      data.push({
        object: 'embedding',
        index,
        embedding: body.dimensions ? vector.slice(0, body.dimensions) : vector
      })
    }
    sendJson(res, 200, {
      object: 'list',
      data,
      model: state.modelId,
      usage: { prompt_tokens: tokens, total_tokens: tokens }
    })
  }

  private async completions(
    state: LoadedState,
    req: IncomingMessage,
    res: ServerResponse
  ): Promise<void> {
    const body = await readJsonBody(CompletionRequestSchema, req)
    const abort = new AbortController()
    res.once('close', () => {
      if (!res.writableFinished) abort.abort()
    })
    const slot = await state.slots.acquire([], false)
    const completion = new LlamaCompletion({
      contextSequence: slot.sequence,
      autoDisposeSequence: false
    })
    const started = performance.now()
    let report: RequestMessage = {
      type: 'request',
      promptTokens: 0,
      evaluatedTokens: 0,
      completionTokens: 0,
      tokensPerSecond: 0,
      durationMs: 0,
      ok: false
    }
    try {
      const fim = typeof body.suffix === 'string' && body.suffix !== ''
      if (fim && !completion.infillSupported) {
        throw new HttpError(
          400,
          `model ${state.modelId} cannot fill in the middle: its GGUF has no FIM tokens (prefix, suffix and middle), so "suffix" cannot be used; send the prompt alone, or use a code model with FIM tokens`,
          'fim_not_supported',
          'suffix'
        )
      }
      this.hooks.onRequestStart()
      const result = await this.generate(state, completion, body, fim, abort.signal, res)
      report = {
        ...report,
        ...result.report,
        durationMs: Math.round(performance.now() - started),
        ok: true
      }
    } finally {
      completion.dispose({ disposeSequence: false })
      state.slots.release(slot)
      if (report.ok || report.durationMs > 0) this.hooks.onRequest(report)
    }
  }

  private async generate(
    state: LoadedState,
    completion: LlamaCompletion,
    body: CompletionRequest,
    fim: boolean,
    signal: AbortSignal,
    res: ServerResponse
  ): Promise<{ report: Partial<RequestMessage> }> {
    const prompt = promptText(body.prompt)
    const tokenize = (s: string): number => state.model.tokenize(s).length
    const promptTokens = tokenize(prompt) + (fim ? tokenize(body.suffix ?? '') : 0)
    if (promptTokens >= state.contextSize) {
      throw new HttpError(
        400,
        `the prompt is ${promptTokens} tokens; the context holds ${state.contextSize}`,
        'context_length_exceeded',
        'prompt'
      )
    }
    const stops =
      body.stop == null ? [] : (Array.isArray(body.stop) ? body.stop : [body.stop]).filter(Boolean)
    const id = `cmpl-${randomUUID()}`
    const created = Math.floor(Date.now() / 1000)
    const stream = body.stream === true
    const chunk = (text: string, finish: string | null): string =>
      `data: ${JSON.stringify({
        id,
        object: 'text_completion',
        created,
        model: state.modelId,
        choices: [{ index: 0, text, finish_reason: finish, logprobs: null }]
      })}\n\n`
    if (stream) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache'
      })
    }
    const options: LlamaCompletionGenerationOptions = {
      maxTokens: Math.min(body.max_tokens ?? 256, state.contextSize - promptTokens - 1),
      temperature: body.temperature ?? DEFAULT_TEMPERATURE,
      topP: body.top_p ?? undefined,
      seed: body.seed ?? undefined,
      signal,
      stopOnAbortSignal: true,
      customStopTriggers: stops.length ? stops : undefined,
      onTextChunk: stream ? (text) => void (text && res.write(chunk(text, null))) : undefined
    }
    const out = fim
      ? await completion.generateInfillCompletionWithMeta(prompt, body.suffix ?? '', options)
      : await completion.generateCompletionWithMeta(prompt, options)
    const finish = out.metadata.stopReason === 'maxTokens' ? 'length' : 'stop'
    const completionTokens = tokenize(out.response)
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens
    }
    if (stream) res.end(`${chunk('', finish)}data: [DONE]\n\n`)
    else
      sendJson(res, 200, {
        id,
        object: 'text_completion',
        created,
        model: state.modelId,
        choices: [{ index: 0, text: out.response, finish_reason: finish, logprobs: null }],
        usage
      })
    return { report: { promptTokens, evaluatedTokens: promptTokens, completionTokens } }
  }
}
