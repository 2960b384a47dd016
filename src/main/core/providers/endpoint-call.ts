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
import { upstreamMessage, upstreamStatusError } from './upstream-error'

export interface EndpointTarget {
  /** Base URL ending in `/v1`. */
  baseUrl: string
  /** How messages name the upstream (a local worker's address is internal); default its URL. */
  label?: string
  apiKey?: string
  pools: UpstreamPools
  connectTimeoutMs: number
  readTimeoutMs: number
}

/** Which path the upstream does not serve is this call's own; the rest is the one mapping. */
function statusError(
  target: EndpointTarget,
  path: string,
  res: { status: number; headers: Record<string, string | string[] | undefined> },
  text: string
): AppError {
  const { status } = res
  const who = `upstream ${target.label ?? target.baseUrl}`
  if (status === 404 || status === 405 || status === 501)
    return new AppError(
      'invalid_request',
      `${who} does not serve /${path} (${status}): ${upstreamMessage(text)}`
    )
  // A refusal keeps the upstream's status, code and param (a worker's `fim_not_supported`).
  return upstreamStatusError(status, text, who, res.headers['retry-after'])
}

function transportError(target: EndpointTarget, err: unknown): AppError {
  const code = errorCode(err)
  const who = target.label ?? target.baseUrl
  if (code === READ_TIMEOUT || code === CONNECT_TIMEOUT)
    return new AppError('upstream_timeout', `upstream ${who} did not answer in time`, {
      cause: err
    })
  return new AppError(
    'upstream_error',
    `cannot reach upstream ${who}: ${code ?? (err as Error).message}`,
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
  const who = target.label ?? target.baseUrl
  try {
    if (response.status < 200 || response.status >= 300) {
      const text = await response.text().catch(() => '')
      throw statusError(target, req.path, response, text)
    }
    if (!onEvent) {
      const text = await response.text()
      try {
        return JSON.parse(text) as unknown
      } catch {
        throw new AppError('upstream_error', `upstream ${who} sent a body that is not JSON`)
      }
    }
    // Asked to stream, some servers answer whole JSON anyway: that answer is the one event.
    const type = String(response.headers['content-type'] ?? '')
    if (/^application\/(?:[\w.+-]+\+)?json/i.test(type)) {
      const text = await response.text()
      try {
        JSON.parse(text)
      } catch {
        throw new AppError('upstream_error', `upstream ${who} sent a body that is not JSON`)
      }
      await onEvent(text)
      return undefined
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
