/**
 * @module The built renderer served by `llmnet serve --ui`, behind the access token. Opening
 * `/?token=…` trades the token for a session cookie (HttpOnly, SameSite=Strict) and redirects to
 * `/`, so the token leaves the address bar; later page loads and `/api` calls carry the cookie.
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

/** Browser sessions of this server process (they end when it stops). */
export class Sessions {
  private readonly ids = new Set<string>()
  create(): string {
    const id = randomBytes(24).toString('base64url')
    this.ids.add(id)
    return id
  }
  has(id: string | undefined): boolean {
    return id !== undefined && this.ids.has(id)
  }
  /** The session named by a request's cookie, when it is one of ours. */
  fromHeaders(headers: IncomingHttpHeaders): string | undefined {
    const id = cookieValue(headers.cookie, SESSION_COOKIE)
    return this.has(id) ? id : undefined
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

/** Serves the renderer: `/` and unknown paths without an extension get index.html. */
export function registerUi(app: FastifyInstance, opts: UiOptions): void {
  const root = normalize(opts.dir + sep)
  const assets = join(root, 'assets') + sep
  const sendFile = async (reply: FastifyReply, file: string): Promise<FastifyReply> => {
    const body = await readFile(file)
    return reply
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
      if (!sameSecret(token, opts.token)) {
        return reply.code(401).type('text/html; charset=utf-8').send(LOCKED_PAGE)
      }
      const id = opts.sessions.create()
      return reply
        .header('set-cookie', `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/`)
        .redirect('/', 303)
    }
    if (!opts.sessions.fromHeaders(headers)) {
      return reply.code(401).type('text/html; charset=utf-8').send(LOCKED_PAGE)
    }
    return sendFile(reply, join(root, 'index.html'))
  }
  app.get('/', (req, reply) => page(req.query, req.headers, reply))
  app.get('/assets/*', async (req, reply) => {
    const rel = (req.params as { '*': string })['*']
    const file = normalize(join(assets, rel))
    const info = file.startsWith(assets) ? await stat(file).catch(() => undefined) : undefined
    if (!info?.isFile()) return reply.code(404).send({ error: { message: 'no such file' } })
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
