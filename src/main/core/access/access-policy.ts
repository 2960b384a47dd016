/**
 * @module Per-app access to the loopback API. With keys not required (the default) any local app
 * may call it, as before. With keys required, each app sends its own token
 * (`Authorization: Bearer …`); an unknown token makes the policy ask the user ("App X wants to use
 * llmnet") through an injected `ask`, which the desktop shell shows as a dialog. Headless there is
 * no one to ask, so unknown tokens are refused with a message saying how to get one.
 */
import { AppError } from '../errors'
import {
  type AppTokenRepository,
  cleanName,
  hashToken,
  tokenHint
} from '../storage/app-token-repository'

/** What the user is asked about: the app's claimed name and the start of its token. */
export interface AccessRequest {
  appName: string
  tokenHint: string
}

/**
 * Shows the question and resolves with the answer. `signal` aborts when the policy stops waiting
 * (timeout), so the prompt can close itself.
 */
export type AskUser = (request: AccessRequest, signal: AbortSignal) => Promise<'allow' | 'deny'>

export interface AccessPolicyOptions {
  tokens: AppTokenRepository
  /** Read on every request, so a settings change applies at once. */
  requireKeys: () => boolean
  /** The shell's prompt; absent headless (`llmnet serve`), where unknown tokens are refused. */
  ask?: AskUser
  /** How long a question waits for an answer before it counts as deny (default 60 s). */
  askTimeoutMs?: number
  /** Questions open at once; beyond it unknown tokens are refused unasked (default 3). */
  maxPendingAsks?: number
}

/** Request headers as Fastify and Node give them. */
export type HeadersLike = Record<string, string | string[] | undefined>

/** Who is calling: `app` is set when the request carried a known token. */
export interface Authorized {
  app?: string
}

/** The header an app may send to name itself (else its User-Agent is used). */
export const APP_NAME_HEADER = 'x-llmnet-app'

const HOW_TO_GET_A_TOKEN =
  'Create a token for this app in llmnet desktop (Settings → Apps) and send it as ' +
  '"Authorization: Bearer <token>", or turn off "require keys" in the settings.'

/** Longer or stranger values are not tokens anyone should be asked about. */
const PLAUSIBLE_TOKEN = /^[\x21-\x7e]{16,256}$/

/** Decides, per request, whether a caller may use the API and which app it is. */
export class AccessPolicy {
  private readonly pending = new Map<string, Promise<Authorized | AppError>>()
  /** Tokens the user denied in this session: not asked about again until restart. */
  private readonly denied = new Set<string>()

  constructor(private readonly opts: AccessPolicyOptions) {}

  /** Allows the request (naming its app when known) or returns the 401 to answer with. */
  async authorize(headers: HeadersLike): Promise<Authorized | AppError> {
    const token = bearerToken(headers)
    const required = this.opts.requireKeys()
    if (!required) {
      // Open access: a known token still names its app in the trace; nothing else is checked.
      if (token === undefined || !PLAUSIBLE_TOKEN.test(token)) return {}
      const verdict = this.opts.tokens.verify(token)
      return verdict.state === 'valid' ? { app: verdict.app.name } : {}
    }
    if (token === undefined) {
      return unauthorized(
        `this llmnet requires an app token and the request has none. ${HOW_TO_GET_A_TOKEN}`
      )
    }
    if (!PLAUSIBLE_TOKEN.test(token)) {
      return unauthorized(
        `the token is malformed (16–256 printable characters). ${HOW_TO_GET_A_TOKEN}`
      )
    }
    const verdict = this.opts.tokens.verify(token)
    if (verdict.state === 'valid') return { app: verdict.app.name }
    if (verdict.state === 'revoked') {
      return unauthorized(
        `the token of app "${verdict.app.name}" was revoked. ${HOW_TO_GET_A_TOKEN}`
      )
    }
    const hash = hashToken(token)
    if (this.denied.has(hash)) return unauthorized('the user denied this app access to llmnet')
    const ask = this.opts.ask
    if (!ask) {
      return unauthorized(
        `unknown token, and this llmnet runs without a window to ask for approval. ${HOW_TO_GET_A_TOKEN}`
      )
    }
    // Concurrent requests with the same unknown token share one question.
    const inFlight = this.pending.get(hash)
    if (inFlight) return inFlight
    if (this.pending.size >= (this.opts.maxPendingAsks ?? 3)) {
      return unauthorized('too many apps are waiting for approval; try again after answering them')
    }
    const question = this.askUser(ask, token, hash, appNameOf(headers)).finally(() =>
      this.pending.delete(hash)
    )
    this.pending.set(hash, question)
    return question
  }

  private async askUser(
    ask: AskUser,
    token: string,
    hash: string,
    appName: string
  ): Promise<Authorized | AppError> {
    const timeoutMs = this.opts.askTimeoutMs ?? 60_000
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    let answer: 'allow' | 'deny' | 'timeout'
    try {
      answer = await Promise.race([
        ask({ appName, tokenHint: tokenHint(token) }, controller.signal),
        timedOut
      ])
    } catch {
      answer = 'deny'
    } finally {
      clearTimeout(timer)
    }
    if (answer === 'timeout') {
      controller.abort()
      return unauthorized(
        `nobody answered the approval prompt for "${appName}" within ${Math.round(timeoutMs / 1000)} s; ` +
          'the request is denied (retry to ask again)'
      )
    }
    if (answer !== 'allow') {
      this.denied.add(hash)
      return unauthorized(`the user denied "${appName}" access to llmnet`)
    }
    // A token revoked or approved meanwhile (another window) is answered by the table.
    const verdict = this.opts.tokens.verify(token)
    if (verdict.state === 'valid') return { app: verdict.app.name }
    if (verdict.state === 'revoked')
      return unauthorized(`the token of "${verdict.app.name}" was revoked`)
    return { app: this.opts.tokens.approve(appName, token).name }
  }
}

/** The token from `Authorization: Bearer …` (or `x-api-key`, as some clients send it). */
export function bearerToken(headers: HeadersLike): string | undefined {
  const auth = first(headers.authorization)
  if (auth !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    return match?.[1]
  }
  return first(headers['x-api-key'])?.trim() || undefined
}

/** The name an app gives itself: `x-llmnet-app`, else its User-Agent, cleaned for display. */
export function appNameOf(headers: HeadersLike): string {
  const named = first(headers[APP_NAME_HEADER])?.trim()
  if (named) return cleanName(named)
  const agent = first(headers['user-agent'])?.trim()
  return agent ? cleanName(agent) : 'unnamed app'
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function unauthorized(message: string): AppError {
  return new AppError('invalid_api_key', message)
}
