/**
 * @module The one HTTP provider: any server that speaks OpenAI chat completions (external APIs,
 * OpenRouter, vLLM, LM Studio, llama-server, Ollama's /v1, our own llama.cpp model processes).
 * Connect and read timeouts, retries with backoff on connection errors, 429 and 5xx (only before
 * anything was yielded), and cancellation through an AbortSignal.
 */
import type { ChatMessage, ChoiceLogprobs, Usage } from '../../../shared/openai/chat'
import type { CancelSignal } from '../cancel'
import { AppError, errorCode, isAbortError } from '../errors'
import { callEndpoint } from './endpoint-call'
import {
  type CallOptions,
  choiceSchema,
  type DeltaHandler,
  type EndpointEventHandler,
  type EndpointProvider,
  type EndpointRequest,
  type FunctionCall,
  type Provider,
  type ProviderRequest,
  type ProviderResponse,
  type StreamDelta,
  type StreamEnd
} from './provider'
import {
  CONNECT_TIMEOUT,
  post,
  READ_TIMEOUT,
  sharedPools,
  type Target,
  toTarget,
  type UpstreamPools,
  type UpstreamResponse
} from './http-transport'
import { SseParser } from './sse'
import { retryAfterMs, upstreamStatusError } from './upstream-error'
import { sleep } from '../sleep'

export interface OpenAICompatibleOptions {
  /** Base URL ending in `/v1`. */
  baseUrl: string
  /** How messages name the upstream (a local worker's address is internal); default its URL. */
  label?: string
  apiKey?: string
  connectTimeoutMs?: number
  /** Time allowed for the response headers, and between body chunks. */
  readTimeoutMs?: number
  maxRetries?: number
  retryBaseMs?: number
  /** Connection pools to use; the process-wide ones by default. */
  pools?: UpstreamPools
}

const DEFAULTS = {
  connectTimeoutMs: 10_000,
  readTimeoutMs: 300_000,
  maxRetries: 2,
  retryBaseMs: 200
}

interface UpstreamMessage {
  content?: string | null
  tool_calls?: unknown[]
  reasoning_content?: string | null
  reasoning?: string | null
  function_call?: FunctionCall | null
}
interface UpstreamChoice {
  message?: UpstreamMessage
  delta?: UpstreamMessage
  finish_reason?: string | null
  logprobs?: ChoiceLogprobs | null
}
interface UpstreamBody {
  choices?: UpstreamChoice[]
  usage?: Usage | null
  system_fingerprint?: string | null
  error?: { message?: string } | string
}

const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  CONNECT_TIMEOUT
])

export class OpenAICompatibleProvider implements Provider, EndpointProvider {
  readonly id: string
  private readonly label: string
  private readonly opts: Required<Omit<OpenAICompatibleOptions, 'apiKey' | 'pools' | 'label'>> &
    Pick<OpenAICompatibleOptions, 'apiKey'>
  private readonly pools: UpstreamPools
  private readonly target: Target
  /** Request headers for JSON and for SSE answers, built once. */
  private readonly headers: { json: Record<string, string>; sse: Record<string, string> }
  /** Set once a backend rejects `response_format: json_schema`; we then match free text. */
  private jsonSchemaUnsupported = false
  private streamOptionsUnsupported = false

  constructor(options: OpenAICompatibleOptions) {
    this.opts = { ...DEFAULTS, ...options }
    this.pools = options.pools ?? sharedPools
    this.id = options.baseUrl
    this.label = options.label ?? options.baseUrl
    this.target = toTarget(new URL(`${options.baseUrl.replace(/\/+$/, '')}/chat/completions`))
    const auth: Record<string, string> = this.opts.apiKey
      ? { authorization: `Bearer ${this.opts.apiKey}` }
      : {}
    this.headers = {
      json: { 'content-type': 'application/json', accept: 'application/json', ...auth },
      sse: { 'content-type': 'application/json', accept: 'text/event-stream', ...auth }
    }
  }

  private body(req: ProviderRequest, stream: boolean): Record<string, unknown> {
    // Copied key by key, never `delete`d: deleting a key turns the object into a dictionary,
    // which JSON.stringify then walks on its slow path.
    const body: Record<string, unknown> = {}
    for (const key in req.params)
      if (key !== 'stream' && key !== 'stream_options') body[key] = req.params[key]
    body.model = req.model
    body.messages = req.messages as ChatMessage[]
    if (req.choice && !this.jsonSchemaUnsupported) {
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: 'route', strict: true, schema: choiceSchema(req.choice.options) }
      }
    }
    if (stream) {
      body.stream = true
      if (!this.streamOptionsUnsupported) body.stream_options = { include_usage: true }
    }
    return body
  }

  /**
   * Sends the request, retrying connection errors, 429 and 5xx with backoff, and hands the
   * answer to `then` (inside this async frame: a whole answer costs no frame of its own).
   */
  private async send<T>(
    req: ProviderRequest,
    stream: boolean,
    signal: CancelSignal | undefined,
    then: (res: UpstreamResponse) => T
  ): Promise<T> {
    let attempt = 0
    for (;;) {
      const payload = JSON.stringify(this.body(req, stream))
      let res: UpstreamResponse
      try {
        res = await post(this.pools, this.target, payload, {
          headers: stream ? this.headers.sse : this.headers.json,
          signal,
          connectTimeoutMs: this.opts.connectTimeoutMs,
          readTimeoutMs: this.opts.readTimeoutMs,
          // A whole answer arrives with its response: no second promise for its body.
          whole: !stream
        })
      } catch (err) {
        if (signal?.aborted || isAbortError(err)) throw err
        const code = errorCode(err)
        if (code === READ_TIMEOUT) {
          throw new AppError(
            'upstream_timeout',
            `upstream ${this.label} did not answer within ${this.opts.readTimeoutMs} ms`,
            { cause: err }
          )
        }
        if (code && RETRYABLE_CODES.has(code) && attempt < this.opts.maxRetries) {
          await sleep(this.backoff(attempt++), signal)
          continue
        }
        if (code === CONNECT_TIMEOUT) {
          throw new AppError(
            'upstream_timeout',
            `could not connect to ${this.label} within ${this.opts.connectTimeoutMs} ms`,
            { cause: err }
          )
        }
        throw new AppError(
          'upstream_error',
          `cannot reach upstream ${this.label}: ${code ?? (err as Error).message}`,
          { cause: err }
        )
      }
      const status = res.status
      if (status >= 200 && status < 300) return then(res)
      const text = await res.text().catch(() => '')
      if (status === 400 && this.dropUnsupportedField(req, text)) continue
      const retryable = status === 429 || status >= 500
      if (retryable && attempt < this.opts.maxRetries) {
        await sleep(this.retryDelay(res.headers['retry-after'], attempt++), signal)
        continue
      }
      throw this.httpError(status, text, res.headers['retry-after'])
    }
  }

  /** A backend that rejects an optional field we added gets the request again without it. */
  private dropUnsupportedField(req: ProviderRequest, text: string): boolean {
    if (req.choice && !this.jsonSchemaUnsupported && /response_format|json_schema/i.test(text)) {
      this.jsonSchemaUnsupported = true
      return true
    }
    if (!this.streamOptionsUnsupported && /stream_options/i.test(text)) {
      this.streamOptionsUnsupported = true
      return true
    }
    return false
  }

  private backoff(attempt: number): number {
    return this.opts.retryBaseMs * 2 ** attempt * (0.75 + Math.random() * 0.5)
  }

  private retryDelay(header: string | string[] | undefined, attempt: number): number {
    const ms = retryAfterMs(header)
    return ms !== undefined ? Math.min(ms, 10_000) : this.backoff(attempt)
  }

  private httpError(
    status: number,
    text: string,
    retryAfter: string | string[] | undefined
  ): AppError {
    return upstreamStatusError(status, text, `upstream ${this.label}`, retryAfter)
  }

  chat(req: ProviderRequest, opts: CallOptions = {}): Promise<ProviderResponse> {
    return this.send(req, false, opts.signal, (res) => this.answer(req, res, opts))
  }

  /** A whole answer read: its text parsed into the provider's response. */
  private answer(req: ProviderRequest, res: UpstreamResponse, opts: CallOptions): ProviderResponse {
    const text = res.wholeText
    const broken = res.wholeError
    if (text === undefined) {
      const err = broken ?? new Error('the answer has no body')
      if (opts.signal?.aborted || isAbortError(err)) throw err
      if (errorCode(err) === READ_TIMEOUT) {
        throw new AppError(
          'upstream_timeout',
          `upstream ${this.label} stopped sending its answer`,
          {
            cause: err
          }
        )
      }
      throw new AppError(
        'upstream_error',
        `upstream ${this.label} broke the connection: ${err.message}`,
        { cause: err }
      )
    }
    let parsed: UpstreamBody
    try {
      parsed = JSON.parse(text) as UpstreamBody
    } catch (err) {
      throw new AppError('upstream_error', `upstream ${this.label} sent a body that is not JSON`, {
        cause: err
      })
    }
    const choice = parsed.choices?.[0]
    const message = choice?.message
    const out: ProviderResponse = {
      content: message?.content ?? (message?.tool_calls ? null : ''),
      toolCalls: message?.tool_calls?.length ? message.tool_calls : undefined,
      finishReason: choice?.finish_reason ?? 'stop',
      usage: parsed.usage ?? undefined,
      constrained: Boolean(req.choice) && !this.jsonSchemaUnsupported
    }
    if (message?.reasoning_content) out.reasoningContent = message.reasoning_content
    if (message?.reasoning) out.reasoning = message.reasoning
    if (choice?.logprobs) out.logprobs = choice.logprobs
    if (message?.function_call) out.functionCall = message.function_call
    if (parsed.system_fingerprint) out.systemFingerprint = parsed.system_fingerprint
    return out
  }

  async stream(
    req: ProviderRequest,
    onDelta: DeltaHandler,
    opts: CallOptions = {}
  ): Promise<StreamEnd> {
    const res = await this.send(req, true, opts.signal, (r) => r)
    let finishReason: string | null = null
    let usage: Usage | undefined
    let fingerprint: string | undefined
    const parser = new SseParser()
    const handle = (data: string): void | Promise<void> => {
      let chunk: UpstreamBody
      try {
        chunk = JSON.parse(data) as UpstreamBody
      } catch {
        throw new AppError(
          'upstream_error',
          `upstream ${this.label} sent an event that is not JSON`
        )
      }
      if (chunk.error) {
        const msg = typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? 'error')
        throw new AppError('upstream_error', `upstream ${this.label} failed mid-stream: ${msg}`)
      }
      if (chunk.usage) usage = chunk.usage
      if (chunk.system_fingerprint) fingerprint = chunk.system_fingerprint
      const choice = chunk.choices?.[0]
      if (!choice) return
      if (choice.finish_reason) finishReason = choice.finish_reason
      const delta = choice.delta
      if (!delta) return
      const content = delta.content
      const toolCalls = delta.tool_calls
      // Thinking and log probabilities are rare: the common delta keeps its two fields.
      const extra =
        delta.reasoning_content || delta.reasoning || choice.logprobs || delta.function_call
      if (!extra) {
        if (content || toolCalls?.length)
          return onDelta({
            content: content || undefined,
            toolCalls,
            systemFingerprint: fingerprint
          })
        return
      }
      const d: StreamDelta = { content: content || undefined, toolCalls }
      if (delta.reasoning_content) d.reasoningContent = delta.reasoning_content
      if (delta.reasoning) d.reasoning = delta.reasoning
      if (choice.logprobs) d.logprobs = choice.logprobs
      if (delta.function_call) d.functionCall = delta.function_call
      if (fingerprint) d.systemFingerprint = fingerprint
      return onDelta(d)
    }
    try {
      // A delta that pushes back (a slow client) pauses the upstream until it is written.
      await res.read((chunk) => {
        let pending: Promise<void> | undefined
        for (const data of parser.push(chunk)) {
          const p = handle(data)
          if (p) pending = pending ? pending.then(() => p) : p
        }
        return pending
      })
      for (const data of parser.end()) void handle(data)
    } catch (err) {
      if (opts.signal?.aborted || isAbortError(err) || err instanceof AppError) throw err
      if (errorCode(err) === READ_TIMEOUT) {
        throw new AppError(
          'upstream_timeout',
          `upstream ${this.label} stopped streaming for ${this.opts.readTimeoutMs} ms`,
          { cause: err }
        )
      }
      throw new AppError(
        'upstream_error',
        `upstream ${this.label} broke the stream: ${(err as Error).message}`,
        { cause: err }
      )
    }
    return { finishReason: finishReason ?? 'stop', usage, systemFingerprint: fingerprint }
  }

  /** The backend's `/embeddings` or legacy `/completions` (see endpoint-call.ts). */
  endpoint(
    req: EndpointRequest,
    onEvent?: EndpointEventHandler,
    opts: CallOptions = {}
  ): Promise<unknown> {
    const target = {
      baseUrl: this.id,
      label: this.label,
      apiKey: this.opts.apiKey,
      pools: this.pools,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      readTimeoutMs: this.opts.readTimeoutMs
    }
    return callEndpoint(target, req, onEvent, opts.signal)
  }
}
