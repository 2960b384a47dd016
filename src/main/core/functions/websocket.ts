/**
 * @module `"type": "websocket"` functions: connect (with the configured headers, which the
 * original ignored), send one message, and in transform mode wait for one reply. The timeout
 * (the Rust llmnet had none) covers connecting and the reply.
 */
import type { RawData, WebSocket } from 'ws'
import type { FunctionDefinition } from '../../../shared/config/schema'
import { loadWs } from '../lazy'
import { startDeadline } from './deadline'
import { substituteUrl } from './rest'
import { substituteJson, substituteString } from './substitute'
import { type FunctionContext, FunctionError, parseOutput, type RunnerOutput } from './types'

/** A websocket function definition. */
export type WebSocketFunction = Extract<FunctionDefinition, { type: 'websocket' }>

/** Options of {@link runWebSocket}. */
export interface WebSocketRunOptions {
  /** Transform mode: wait for one reply message and return it. */
  expectReply?: boolean
}

// Largest reply accepted.
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
// How long a closing handshake may take before the socket is dropped.
const CLOSE_GRACE_MS = 1000

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/** Starts a closing handshake, dropping the socket if the peer does not answer in time. */
function closeSoon(ws: WebSocket): void {
  if (ws.readyState === ws.CLOSED) return
  const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS)
  timer.unref()
  ws.once('close', () => clearTimeout(timer))
  ws.close(1000)
}

/** Runs a websocket function; throws {@link FunctionError} on failure. */
export async function runWebSocket(
  def: WebSocketFunction,
  ctx: FunctionContext,
  options: WebSocketRunOptions = {}
): Promise<RunnerOutput> {
  const url = substituteUrl(def.url, ctx)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(def.headers ?? {}))
    headers[name] = substituteString(value, ctx.vars, ctx.secrets)
  const message =
    def.message === undefined ? undefined : substituteJson(def.message, ctx.vars, ctx.secrets)
  const payload =
    message === undefined
      ? undefined
      : typeof message === 'string'
        ? message
        : JSON.stringify(message)
  const expectReply = options.expectReply === true
  // Loaded here, not at the top: `llmnet` start-up does not pay for a client it may never use.
  const { WebSocket: WebSocketClient } = await loadWs()

  const deadline = startDeadline(def.timeout, ctx.signal)
  if (deadline.signal.aborted) {
    deadline.dispose()
    throw deadline.reason()
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    deadline.dispose()
    // The substituted url may hold a secret: name the template only.
    throw new FunctionError(`invalid url (from "${def.url}")`)
  }
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(parsed.protocol)) {
    deadline.dispose()
    throw new FunctionError(`url must be ws or wss, not ${parsed.protocol}`)
  }
  let ws: WebSocket
  try {
    ws = new WebSocketClient(parsed, {
      headers,
      handshakeTimeout: deadline.remainingMs(),
      maxPayload: MAX_PAYLOAD_BYTES
    })
  } catch (err) {
    deadline.dispose()
    throw new FunctionError(`could not connect: ${(err as Error).message}`)
  }

  try {
    return await new Promise<RunnerOutput>((resolve, reject) => {
      let settled = false
      const done = (fn: () => void): void => {
        if (settled) return
        settled = true
        deadline.signal.removeEventListener('abort', onAbort)
        fn()
      }
      const onAbort = (): void => {
        ws.terminate()
        done(() => reject(deadline.reason()))
      }
      deadline.signal.addEventListener('abort', onAbort, { once: true })

      ws.on('error', (err: Error) => done(() => reject(new FunctionError(err.message))))
      ws.on('open', () => {
        const afterSend = (err?: Error): void => {
          if (err) {
            done(() => reject(new FunctionError(`send failed: ${err.message}`)))
            return
          }
          if (!expectReply) {
            closeSoon(ws)
            done(() => resolve({}))
          }
        }
        if (payload === undefined) afterSend()
        else ws.send(payload, afterSend)
      })
      ws.on('message', (data: RawData) => {
        if (!expectReply) return
        const output = parseOutput(rawToString(data))
        closeSoon(ws)
        done(() => resolve({ output }))
      })
      ws.on('close', (code: number) => {
        done(() => reject(new FunctionError(`connection closed before a reply (code ${code})`)))
      })
    })
  } finally {
    deadline.dispose()
  }
}
