/**
 * @module A lean POST for every upstream call, on undici's low-level `dispatch` API: one
 * keep-alive pool per origin, no stream objects, no AbortController per request. (Measured in
 * bench/ and docs/performance.md: node:http's client and undici's `request` both cost more CPU per
 * proxied request.) Connect and read timeouts, cancellation through a CancelSignal, and body
 * backpressure.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher, Pool } from 'undici'
import type { CancelSignal } from '../cancel'
import { loadUndici as importUndici } from '../lazy'

// undici is imported with the first upstream call (through lazy.ts): loading it costs more start-up time than
// the rest of `llmnet run` put together, and a server answering /health needs none of it.
let PoolClass: typeof Pool | undefined
let loadingUndici: Promise<typeof Pool> | undefined

function loadUndici(): Promise<typeof Pool> {
  loadingUndici ??= importUndici().then((mod) => (PoolClass = mod.Pool))
  return loadingUndici
}

export interface PostOptions {
  headers: Record<string, string>
  signal?: CancelSignal
  connectTimeoutMs: number
  /** Time allowed for the response headers, and between body chunks. */
  readTimeoutMs: number
  /**
   * Settle once the whole body is in (`wholeText`, or `wholeError` when the body broke after the
   * headers), not at the headers: one promise for a whole answer instead of three.
   */
  whole?: boolean
}

/** Error codes of the transport's own failures (others are Node's: ECONNREFUSED…). */
export const CONNECT_TIMEOUT = 'LLMNET_CONNECT_TIMEOUT'
export const READ_TIMEOUT = 'LLMNET_READ_TIMEOUT'

/** A parsed target, built once per upstream URL (URL parsing per request is measurable). */
export interface Target {
  origin: string
  path: string
}

export function toTarget(url: URL): Target {
  return { origin: url.origin, path: `${url.pathname}${url.search}` }
}

/** A response whose headers arrived; its body is read once, with `text()` or `read()`. */
export interface UpstreamResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  /** The whole body as text. */
  text(): Promise<string>
  /**
   * Hands each body chunk to `onChunk` and resolves at the end of the body. A returned promise
   * pauses the upstream until it settles; a throw or rejection stops the body and rejects.
   */
  read(onChunk: (chunk: Buffer) => void | Promise<void>): Promise<void>
  /** Stops the body and closes its connection. */
  destroy(): void
  /** With `whole`: the body, read before the response was handed over. */
  readonly wholeText?: string
  /** With `whole`: why the body could not be read after its headers (`text()` rejects with it). */
  readonly wholeError?: Error
}

/**
 * Keep-alive connection pools, one per (origin, connect timeout). A pool whose last connection
 * closed with no request left is dropped: local model servers move to a new port on every
 * restart, and their old pools must not pile up.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>()
  /** The pool asked for last: most requests go where the one before went, without a key. */
  private last: { origin: string; connectTimeoutMs: number; pool: Pool } | undefined

  /** The pool for an origin; {@link post} loads undici before it asks. */
  get(origin: string, connectTimeoutMs: number): Pool {
    const last = this.last
    if (last && last.origin === origin && last.connectTimeoutMs === connectTimeoutMs)
      return last.pool
    if (!PoolClass) throw new Error('undici is not loaded yet (use post())')
    const key = `${origin} ${connectTimeoutMs}`
    let pool = this.pools.get(key)
    if (!pool) {
      const created = new PoolClass(origin, {
        connections: 256,
        connect: { timeout: connectTimeoutMs },
        keepAliveTimeout: 30_000
      })
      created.on('disconnect', () => {
        const stats = created.stats
        if (stats.connected > 0 || stats.size > 0 || this.pools.get(key) !== created) return
        this.pools.delete(key)
        if (this.last?.pool === created) this.last = undefined
        created.close().catch(() => undefined)
      })
      this.pools.set(key, created)
      pool = created
    }
    this.last = { origin, connectTimeoutMs, pool }
    return pool
  }

  /** How many pools are open. */
  get size(): number {
    return this.pools.size
  }

  /** Closes every pooled connection once its requests are done (shutdown). */
  async close(): Promise<void> {
    const all = [...this.pools.values()]
    this.pools.clear()
    this.last = undefined
    await Promise.all(all.map((p) => p.close().catch(() => undefined)))
  }
}

/** For callers that do not own a pool set (like node's global agent). */
export const sharedPools = new UpstreamPools()

/** An Error carrying one of the codes above. */
export function codedError(code: string, message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { code })
}

export function abortError(): Error {
  return Object.assign(new Error('the request was cancelled'), {
    name: 'AbortError',
    code: 'ABORT_ERR'
  })
}

/** undici's own error codes, in the terms the providers understand. */
function translate(err: Error, opts: PostOptions): Error {
  switch ((err as { code?: string }).code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return codedError(CONNECT_TIMEOUT, `connect timeout after ${opts.connectTimeoutMs} ms`, err)
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return codedError(READ_TIMEOUT, `no data for ${opts.readTimeoutMs} ms`, err)
    case 'UND_ERR_SOCKET':
      return codedError('ECONNRESET', err.message, err)
    default:
      return err
  }
}

/** One request's handler: resolves on the headers, then feeds its body to one reader. */
class Exchange implements Dispatcher.DispatchHandler, UpstreamResponse {
  status = 0
  headers: IncomingHttpHeaders = {}
  private controller: Dispatcher.DispatchController | undefined
  private head: { resolve: (r: UpstreamResponse) => void; reject: (e: Error) => void } | undefined
  private reader: ((chunk: Buffer) => void | Promise<void>) | undefined
  private body: { resolve: () => void; reject: (e: Error) => void } | undefined
  private readonly queue: Buffer[] = []
  private waiting = false
  private ended = false
  private failure: Error | undefined
  /** With `whole`, from the headers to the end of the body. */
  private chunks: Buffer[] | undefined
  wholeText: string | undefined = undefined
  wholeError: Error | undefined = undefined
  private readonly onAbort = (): void => this.abort(abortError())

  constructor(
    private readonly opts: PostOptions,
    resolve: (r: UpstreamResponse) => void,
    reject: (e: Error) => void
  ) {
    this.head = { resolve, reject }
    opts.signal?.addEventListener('abort', this.onAbort, { once: true })
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.failure) controller.abort(this.failure)
  }

  onResponseStart(
    _c: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders
  ): void {
    if (status < 200) return // 1xx: the real answer follows
    this.status = status
    this.headers = headers
    if (this.opts.whole) {
      this.chunks = []
      return
    }
    const head = this.head
    this.head = undefined
    head?.resolve(this)
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.chunks) {
      this.chunks.push(chunk)
      return
    }
    if (this.reader && !this.waiting && this.queue.length === 0) this.deliver(chunk)
    else this.queue.push(chunk)
  }

  onResponseEnd(): void {
    this.ended = true
    if (this.chunks) this.settleWhole(undefined)
    else this.pump()
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    const e = this.failure ?? translate(err, this.opts)
    if (this.chunks) this.settleWhole(e)
    else this.settle(e)
  }

  /**
   * Hands over a whole response: its text, or the error that broke its body after the headers
   * (the caller reports that one as a broken answer, not as an upstream that could not be
   * reached). The chunks are views of undici's socket buffers: dropped here, not kept with the
   * response.
   */
  private settleWhole(err: Error | undefined): void {
    const chunks = this.chunks as Buffer[]
    this.chunks = undefined
    if (err) this.wholeError = err
    else
      this.wholeText =
        chunks.length === 1
          ? (chunks[0] as Buffer).toString('utf8')
          : Buffer.concat(chunks).toString('utf8')
    this.ended = true
    this.settle(undefined, true)
  }

  private deliver(chunk: Buffer): void {
    let pending: void | Promise<void>
    try {
      pending = this.reader?.(chunk)
    } catch (err) {
      this.abort(err as Error, true)
      return
    }
    if (!pending) return
    this.waiting = true
    this.controller?.pause()
    pending.then(
      () => {
        this.waiting = false
        this.controller?.resume()
        this.pump()
      },
      (err: unknown) => this.abort(err as Error, true)
    )
  }

  /** Delivers queued chunks in order; resolves the body at its end. */
  private pump(): void {
    if (!this.reader || this.failure) return
    while (!this.waiting && !this.failure && this.queue.length > 0)
      this.deliver(this.queue.shift() as Buffer)
    if (!this.waiting && !this.failure && this.ended && this.queue.length === 0) this.settle()
  }

  /**
   * Fails the body. A cancel after the whole body was delivered is a no-op; the reader's own
   * error (`byReader`) always counts, even on the last chunk (an upstream's error event).
   */
  private abort(err: Error, byReader = false): void {
    if (this.failure) return
    if (!byReader && this.ended && !this.waiting && this.queue.length === 0) return
    this.failure = err
    if (!this.ended) this.controller?.abort(err)
    this.settle(err)
  }

  private settle(err?: Error, whole = false): void {
    this.opts.signal?.removeEventListener('abort', this.onAbort)
    this.chunks = undefined
    if (err) this.failure ??= err
    if (this.head) {
      const head = this.head
      this.head = undefined
      if (err) head.reject(err)
      else if (whole) head.resolve(this)
      return
    }
    const body = this.body
    if (!body) return
    this.body = undefined
    if (err) body.reject(err)
    else body.resolve()
  }

  read(onChunk: (chunk: Buffer) => void | Promise<void>): Promise<void> {
    if (this.reader) return Promise.reject(new Error('the body is already being read'))
    if (this.failure) return Promise.reject(this.failure)
    return new Promise<void>((resolve, reject) => {
      this.body = { resolve, reject }
      this.reader = onChunk
      this.pump()
    })
  }

  async text(): Promise<string> {
    if (this.wholeError) throw this.wholeError
    if (this.wholeText !== undefined) return this.wholeText
    const chunks: Buffer[] = []
    await this.read((c) => {
      chunks.push(c)
    })
    return chunks.length === 1
      ? (chunks[0] as Buffer).toString('utf8')
      : Buffer.concat(chunks).toString('utf8')
  }

  destroy(): void {
    this.abort(abortError())
  }
}

/** Sends a POST and resolves once the response headers arrived. */
export function post(
  pools: UpstreamPools,
  target: Target,
  body: string,
  opts: PostOptions
): Promise<UpstreamResponse> {
  if (opts.signal?.aborted) return Promise.reject(abortError())
  if (!PoolClass) return loadUndici().then(() => post(pools, target, body, opts))
  return new Promise((resolve, reject) => {
    const exchange = new Exchange(opts, resolve, reject)
    pools.get(target.origin, opts.connectTimeoutMs).dispatch(
      {
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers: opts.headers,
        body,
        headersTimeout: opts.readTimeoutMs,
        bodyTimeout: opts.readTimeoutMs
      },
      exchange
    )
  })
}
