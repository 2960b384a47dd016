/**
 * @module The built renderer served by `llmnet serve --ui`, behind the access token. Opening
 * `/?token=…` trades the token for a session cookie (HttpOnly, SameSite=Strict) and redirects to
 * `/#session=<key>`, so the token leaves the address bar; page loads carry the cookie, `/api`
 * calls the cookie and the key (see {@link Sessions}). No page of it can be framed.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import type { IncomingHttpHeaders } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'

export const SESSION_COOKIE = 'llmnet_session'

/** Compares two secrets in constant time, without revealing their lengths. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/** The header that carries a session's key on every cookie-authenticated `/api` call. */
export const SESSION_HEADER = 'x-llmnet-session'
/** The query parameter that carries it on `GET /api/events` (EventSource sends no headers). */
export const SESSION_QUERY = 'session'
/** A session unused this long ends: 12 hours. */
export const DEFAULT_SESSION_IDLE_MS = 12 * 60 * 60 * 1000
const MAX_SESSIONS = 1000

interface SessionEntry {
  key: string
  lastUsed: number
}

/**
 * Browser sessions of this server process (they end when it stops, or after `idleMs` unused).
 * Each has an id, sent as the HttpOnly cookie, and a key the page holds: the token exchange puts
 * the key in the redirect's fragment, which no server sees, and the page sends it in
 * `x-llmnet-session`. Cookies are not port-scoped, so another server on 127.0.0.1 can receive
 * the cookie; it never sees the key, and the cookie alone opens the page, not `/api`.
 */
export class Sessions {
  private readonly entries = new Map<string, SessionEntry>()
  private readonly idleMs: number
  private readonly now: () => number

  constructor(opts: { idleMs?: number; now?: () => number } = {}) {
    this.idleMs = opts.idleMs ?? DEFAULT_SESSION_IDLE_MS
    this.now = opts.now ?? Date.now
  }

  create(): { id: string; key: string } {
    this.sweep()
    if (this.entries.size >= MAX_SESSIONS) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    const id = randomBytes(24).toString('base64url')
    const key = randomBytes(24).toString('base64url')
    this.entries.set(id, { key, lastUsed: this.now() })
    return { id, key }
  }

  /** Whether `id` is a live session (this does not restart its idle time). */
  has(id: string | undefined): boolean {
    return this.live(id) !== undefined
  }

  /** The live session named by a request's cookie (enough for the page, not for `/api`). */
  fromHeaders(headers: IncomingHttpHeaders): string | undefined {
    const id = cookieValue(headers.cookie, SESSION_COOKIE)
    return this.has(id) ? id : undefined
  }

  /**
   * An `/api` request's session: the cookie names a live session and `key` (the header, or for
   * the event stream the query parameter) is that session's key.
   */
  authorize(headers: IncomingHttpHeaders, queryKey?: string): boolean {
    const entry = this.live(cookieValue(headers.cookie, SESSION_COOKIE))
    const header = headers[SESSION_HEADER]
    const given = typeof header === 'string' ? header : queryKey
    if (entry === undefined || given === undefined || !sameSecret(given, entry.key)) return false
    // Only a call with the key counts as use: a replayed cookie cannot keep a session alive.
    entry.lastUsed = this.now()
    return true
  }

  private live(id: string | undefined): SessionEntry | undefined {
    const entry = id === undefined ? undefined : this.entries.get(id)
    if (!entry || id === undefined) return undefined
    if (this.now() - entry.lastUsed > this.idleMs) {
      this.entries.delete(id)
      return undefined
    }
    return entry
  }

  private sweep(): void {
    const now = this.now()
    for (const [id, e] of this.entries) if (now - e.lastUsed > this.idleMs) this.entries.delete(id)
  }
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json'
}

export interface UiOptions {
  /** The built renderer (out/renderer). */
  dir: string
  token: string
  sessions: Sessions
}

const LOCKED_PAGE = `<!doctype html><meta charset="utf-8"><title>llmnet</title>
<body style="font-family:system-ui;max-width:36em;margin:4em auto;line-height:1.5">
<h1>llmnet</h1><p>This page needs the access token. Open the address that <code>llmnet serve</code>
printed (it ends in <code>?token=…</code>), or run <code>llmnet serve --ui</code> again to see it.</p>`

/** Forbids framing (clickjacking): CSP `frame-ancestors` and, for older browsers, X-Frame-Options. */
function noFraming(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', "frame-ancestors 'none'")
    .header('x-frame-options', 'DENY')
}

function locked(reply: FastifyReply): FastifyReply {
  return noFraming(reply).code(401).type('text/html; charset=utf-8').send(LOCKED_PAGE)
}

/** Serves the renderer: `/` and unknown paths without an extension get index.html. */
export function registerUi(app: FastifyInstance, opts: UiOptions): void {
  const root = normalize(opts.dir + sep)
  const assets = join(root, 'assets') + sep
  const sendFile = async (reply: FastifyReply, file: string): Promise<FastifyReply> => {
    const body = await readFile(file)
    return noFraming(reply)
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', file.endsWith('.html') ? 'no-store' : 'private, max-age=3600')
      .send(body)
  }
  const page = async (
    query: unknown,
    headers: IncomingHttpHeaders,
    reply: FastifyReply
  ): Promise<FastifyReply> => {
    const token = (query as { token?: unknown } | undefined)?.token
    if (typeof token === 'string') {
      if (!sameSecret(token, opts.token)) return locked(reply)
      const { id, key } = opts.sessions.create()
      // The key rides in the fragment: browsers keep it across the redirect and never send it.
      return noFraming(reply)
        .header('set-cookie', `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/`)
        .header('cache-control', 'no-store')
        .redirect(`/#${SESSION_QUERY}=${key}`, 303)
    }
    if (!opts.sessions.fromHeaders(headers)) return locked(reply)
    return sendFile(reply, join(root, 'index.html'))
  }
  app.get('/', (req, reply) => page(req.query, req.headers, reply))
  app.get('/assets/*', async (req, reply) => {
    const rel = (req.params as { '*': string })['*']
    const file = normalize(join(assets, rel))
    const info = file.startsWith(assets) ? await stat(file).catch(() => undefined) : undefined
    if (!info?.isFile())
      return noFraming(reply)
        .code(404)
        .send({ error: { message: 'no such file' } })
    return sendFile(reply, file)
  })
  // The app icon (public, like any site's): linked from index.html; /favicon.ico is what a
  // browser asks for when a page names none (the locked page).
  const favicon = (_req: unknown, reply: FastifyReply) =>
    sendFile(reply, join(root, 'favicon.svg')).catch(() =>
      reply.code(404).send({ error: { message: 'no favicon' } })
    )
  app.get('/favicon.svg', favicon)
  app.get('/favicon.ico', favicon)
}
