/**
 * @module Calls to an OpenAI-compatible backend's other endpoints (`/embeddings`, the legacy
 * `/completions`), over the same transport as chat. An upstream 4xx keeps its meaning (400 stays
 * a 400 naming the upstream and its message, and is not retried); 429 and 5xx map as for chat.
 * Connection errors are retried once before anything was received.
 */
import type { CancelSignal } from '../cancel'
import { AppError, errorCode, isAbortError } from '../errors'
import {
  CONNECT_TIMEOUT,
  post,
  READ_TIMEOUT,
  toTarget,
  type UpstreamPools,
  type UpstreamResponse
} from './http-transport'
import type { EndpointEventHandler, EndpointRequest } from './provider'
import { SseParser } from './sse'

export interface EndpointTarget {
  /** Base URL ending in `/v1`. */
  baseUrl: string
  apiKey?: string
  pools: UpstreamPools
  connectTimeoutMs: number
  readTimeoutMs: number
}

function upstreamMessage(text: string): { message: string; param?: string } {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string; param?: string } | string }
    const e = parsed.error
    if (typeof e === 'string') return { message: e }
    if (e?.message) return { message: e.message, param: e.param ?? undefined }
  } catch {
    // not JSON
  }
  return { message: text.slice(0, 500) }
}

function statusError(target: EndpointTarget, path: string, status: number, text: string): AppError {
  const { message, param } = upstreamMessage(text)
  const where = `upstream ${target.baseUrl}/${path}`
  if (status === 404 || status === 405 || status === 501)
    return new AppError('invalid_request', `${where} is not served (${status}): ${message}`)
  if (status === 429) return new AppError('rate_limited', `${where} is rate limiting: ${message}`)
  if (status >= 400 && status < 500 && status !== 401 && status !== 403)
    return new AppError('invalid_request', `${where} refused the request (${status}): ${message}`, {
      param: param ?? null
    })
  return new AppError('upstream_error', `${where} answered ${status}: ${message}`)
}

function transportError(target: EndpointTarget, err: unknown): AppError {
  const code = errorCode(err)
  if (code === READ_TIMEOUT || code === CONNECT_TIMEOUT)
    return new AppError('upstream_timeout', `upstream ${target.baseUrl} did not answer in time`, {
      cause: err
    })
  return new AppError(
    'upstream_error',
    `cannot reach upstream ${target.baseUrl}: ${code ?? (err as Error).message}`,
    { cause: err }
  )
}

/**
 * Posts `req` to the target. Without `onEvent` resolves with the parsed JSON answer; with it,
 * asks for SSE and hands each `data:` payload (not `[DONE]`) to it.
 */
export async function callEndpoint(
  target: EndpointTarget,
  req: EndpointRequest,
  onEvent: EndpointEventHandler | undefined,
  signal?: CancelSignal
): Promise<unknown> {
  const url = toTarget(new URL(`${target.baseUrl.replace(/\/+$/, '')}/${req.path}`))
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: onEvent ? 'text/event-stream' : 'application/json',
    ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {})
  }
  const payload = JSON.stringify(req.body)
  let res: UpstreamResponse | undefined
  for (let attempt = 0; !res; attempt++) {
    try {
      res = await post(target.pools, url, payload, {
        headers,
        signal,
        connectTimeoutMs: target.connectTimeoutMs,
        readTimeoutMs: target.readTimeoutMs
      })
    } catch (err) {
      if (signal?.aborted || isAbortError(err)) throw err
      const code = errorCode(err)
      if (attempt === 0 && (code === 'ECONNRESET' || code === 'ECONNREFUSED')) continue
      throw transportError(target, err)
    }
  }
  const response = res
  try {
    if (response.status < 200 || response.status >= 300) {
      const text = await response.text().catch(() => '')
      throw statusError(target, req.path, response.status, text)
    }
    if (!onEvent) {
      const text = await response.text()
      try {
        return JSON.parse(text) as unknown
      } catch {
        throw new AppError(
          'upstream_error',
          `upstream ${target.baseUrl} sent a body that is not JSON`
        )
      }
    }
    const parser = new SseParser()
    await response.read((chunk) => {
      let pending: Promise<void> | undefined
      for (const data of parser.push(chunk)) {
        if (data === '[DONE]') continue
        const p = onEvent(data)
        if (p) pending = pending ? pending.then(() => p) : p
      }
      return pending
    })
    for (const data of parser.end()) if (data !== '[DONE]') await onEvent(data)
    return undefined
  } catch (err) {
    if (signal?.aborted || isAbortError(err) || err instanceof AppError) throw err
    throw transportError(target, err)
  }
}
