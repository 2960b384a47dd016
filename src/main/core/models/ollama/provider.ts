/**
 * @module A Provider on Ollama's native `/api/chat`: streaming NDJSON, usage from the eval counts,
 * and `format` from a routing choice (JSON-schema constrained decoding). Ollama's OpenAI `/v1`
 * endpoint works through OpenAICompatibleProvider too; this one exists for `format`.
 */
import type { ChatRequest, ChatResponse, Ollama } from 'ollama'
import type { CancelSignal } from '../../cancel'
import { AppError, errorCode, isAbortError } from '../../errors'
import { codedError, READ_TIMEOUT } from '../../providers/http-transport'
import { upstreamStatusError } from '../../providers/upstream-error'
import { loadOllamaClient } from './client'
import { finishOf, ollamaChatRequest, toOpenAILogprobs, toOpenAIToolCalls, usageOf } from './wire'
import { sleep } from '../../sleep'
import {
  type CallOptions,
  type DeltaHandler,
  type Provider,
  type ProviderRequest,
  type ProviderResponse,
  type StreamDelta,
  type StreamEnd
} from '../../providers/provider'

export interface OllamaProviderOptions {
  /** Server base URL; a trailing `/v1` is dropped. */
  baseUrl: string
  /** `keep_alive` sent with each request (Ollama's default is 5m). */
  keepAlive?: string | number
  /** Model options sent with each request (the composition's `parameters`); the request's win. */
  options?: Record<string, unknown>
  maxRetries?: number
  retryBaseMs?: number
  /**
   * How long Ollama may stay silent: before the status line, and between two pieces of the body
   * while we wait for one (default 300 s, as for OpenAI-compatible upstreams). Then 504.
   */
  readTimeoutMs?: number
  fetch?: typeof fetch
}

/** undici's own header and body timers (Node's fetch), which fire at 300 s by default. */
const TIMEOUT_CODES = new Set([READ_TIMEOUT, 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

const RETRYABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET'
])

/**
 * The body, failing through `onTimeout` when a read waits longer than `ms` for Ollama. The timer
 * runs only while a read is pending, so a slow consumer (a client that reads slowly) is not
 * mistaken for a silent server.
 */
function silenceTimeout(
  body: ReadableStream<Uint8Array>,
  ms: number,
  onTimeout: () => void
): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const timer = setTimeout(onTimeout, ms)
        try {
          const { done, value } = await reader.read()
          if (done) controller.close()
          else controller.enqueue(value)
        } finally {
          clearTimeout(timer)
        }
      },
      cancel: (reason) => reader.cancel(reason)
    },
    { highWaterMark: 0 }
  )
}

/**
 * A Provider on Ollama's native `/api/chat`: messages, `options` (temperature, top_p,
 * num_predict from max_tokens, stop, seed, …), `format` from `req.choice` (a JSON-string schema with
 * the route enum: no wrapper to sample, no free whitespace before the name) or from `response_format`, streamed NDJSON, usage from prompt_eval_count and
 * eval_count. Retries connection errors and 5xx before anything was streamed.
 */
export class OllamaProvider implements Provider {
  readonly id: string
  private readonly host: string

  constructor(private readonly opts: OllamaProviderOptions) {
    this.host = opts.baseUrl.replace(/\/+$/, '').replace(/\/v1$/i, '')
    this.id = `ollama:${this.host}`
  }

  /** The native chat request for a provider request. */
  request(req: ProviderRequest): ChatRequest {
    return ollamaChatRequest(req, this.opts.keepAlive, this.opts.options)
  }

  private get readTimeoutMs(): number {
    return this.opts.readTimeoutMs ?? 300_000
  }

  /** A client whose requests abort with `signal` and time out when Ollama goes silent. */
  private client(
    OllamaClient: typeof Ollama,
    signal?: CancelSignal
  ): { client: Ollama; done(): void } {
    const base = this.opts.fetch ?? fetch
    const ac = new AbortController()
    const onAbort = (): void => ac.abort(signal?.reason)
    if (signal?.aborted) ac.abort(signal.reason)
    else signal?.addEventListener('abort', onAbort, { once: true })
    const ms = this.readTimeoutMs
    const f: typeof fetch = async (input, init) => {
      // Per request: a timeout aborts this request, not the next retry.
      const request = new AbortController()
      const onTimeout = (): void =>
        request.abort(codedError(READ_TIMEOUT, `no answer within ${ms} ms`))
      const signals = [ac.signal, request.signal, ...(init?.signal ? [init.signal] : [])]
      const timer = setTimeout(onTimeout, ms)
      let res: Response
      try {
        res = await base(input, { ...init, signal: AbortSignal.any(signals) })
      } finally {
        clearTimeout(timer)
      }
      if (!res.body) return res
      return new Response(silenceTimeout(res.body, ms, onTimeout), {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers
      })
    }
    return {
      client: new OllamaClient({ host: this.host, fetch: f }),
      done: () => signal?.removeEventListener('abort', onAbort)
    }
  }

  private async withRetry<T>(fn: () => Promise<T>, signal?: CancelSignal): Promise<T> {
    const max = this.opts.maxRetries ?? 2
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn()
      } catch (err) {
        if (signal?.aborted || isAbortError(err)) throw err
        const status = (err as { status_code?: number }).status_code
        const retryable =
          (status !== undefined && status >= 500) || RETRYABLE.has(errorCode(err) ?? '')
        if (!retryable || attempt >= max) throw this.wrap(err)
        await sleep((this.opts.retryBaseMs ?? 200) * 2 ** attempt)
      }
    }
  }

  private timeout(err: unknown): AppError {
    return new AppError(
      'upstream_timeout',
      `Ollama at ${this.host} sent nothing for ${this.readTimeoutMs} ms`,
      { cause: err }
    )
  }

  private wrap(err: unknown): unknown {
    if (err instanceof AppError || isAbortError(err)) return err
    if (TIMEOUT_CODES.has(errorCode(err) ?? '')) return this.timeout(err)
    const status = (err as { status_code?: number }).status_code
    const message = (err as Error).message
    if (status !== undefined)
      return upstreamStatusError(status, message, `Ollama at ${this.host}`, undefined, err)
    const code = errorCode(err)
    if (code)
      return new AppError('upstream_error', `cannot reach Ollama at ${this.host}: ${code}`, {
        cause: err
      })
    return new AppError('upstream_error', `Ollama at ${this.host} failed: ${message}`, {
      cause: err
    })
  }

  async chat(req: ProviderRequest, opts: CallOptions = {}): Promise<ProviderResponse> {
    const { client, done } = this.client(await loadOllamaClient(), opts.signal)
    try {
      const body = this.request(req)
      const res = await this.withRetry(() => client.chat({ ...body, stream: false }), opts.signal)
      const toolCalls = toOpenAIToolCalls(res.message?.tool_calls)
      const out: ProviderResponse = {
        content: res.message?.content ?? (toolCalls ? null : ''),
        toolCalls,
        finishReason: finishOf(res, Boolean(toolCalls)),
        usage: usageOf(res),
        constrained: Boolean(req.choice)
      }
      if (res.message?.thinking) out.reasoningContent = res.message.thinking
      const logprobs = toOpenAILogprobs(res.logprobs)
      if (logprobs) out.logprobs = logprobs
      return out
    } finally {
      done()
    }
  }

  async stream(
    req: ProviderRequest,
    onDelta: DeltaHandler,
    opts: CallOptions = {}
  ): Promise<StreamEnd> {
    const { client, done } = this.client(await loadOllamaClient(), opts.signal)
    try {
      const body = this.request(req)
      const it = await this.withRetry(() => client.chat({ ...body, stream: true }), opts.signal)
      let last: Partial<ChatResponse> = {}
      let calls = 0
      try {
        for await (const part of it) {
          const content = part.message?.content
          const toolCalls = toOpenAIToolCalls(part.message?.tool_calls, calls)
          if (toolCalls) calls += toolCalls.length
          const delta: StreamDelta = { content: content || undefined, toolCalls }
          if (part.message?.thinking) delta.reasoningContent = part.message.thinking
          const logprobs = toOpenAILogprobs(part.logprobs)
          if (logprobs) delta.logprobs = logprobs
          if (content || toolCalls || delta.reasoningContent || logprobs) await onDelta(delta)
          if (part.done) last = part
        }
      } catch (err) {
        it.abort()
        if (opts.signal?.aborted || isAbortError(err) || err instanceof AppError) throw err
        if (TIMEOUT_CODES.has(errorCode(err) ?? '')) throw this.timeout(err)
        throw new AppError(
          'upstream_error',
          `Ollama at ${this.host} broke the stream: ${(err as Error).message}`,
          { cause: err }
        )
      }
      return { finishReason: finishOf(last, calls > 0), usage: usageOf(last) }
    } finally {
      done()
    }
  }
}
