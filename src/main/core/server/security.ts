/**
 * @module Request guards for the localhost API: a Host allowlist against DNS rebinding, an
 * Origin check (no CORS unless an origin is configured), and an optional bearer API key.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { AppError } from '../errors'

export interface SecurityOptions {
  /** Extra Host names accepted besides localhost, 127.0.0.1, [::1] and the bound host. */
  allowedHosts: readonly string[]
  /** Origins allowed to call from a browser (exact `scheme://host:port`). */
  corsOrigins: readonly string[]
  apiKey?: string
}

const LOOPBACK = ['localhost', '127.0.0.1', '::1', '[::1]']

/** The host name of a Host header, without port (IPv6 keeps its brackets). */
export function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase()
  return host.split(':')[0]?.toLowerCase() ?? ''
}

/** Builds the Host check once; it runs on every request. */
export function hostChecker(
  opts: SecurityOptions,
  boundHost: string
): (headers: IncomingHttpHeaders) => void {
  const open = boundHost === '0.0.0.0' || boundHost === '::'
  const allowed = new Set([
    ...LOOPBACK,
    boundHost.toLowerCase(),
    ...opts.allowedHosts.map((h) => h.toLowerCase())
  ])
  // Clients send the same Host on every request: remember the last one accepted.
  let accepted: string | undefined
  return (headers) => {
    const host = headers.host
    if (!host) throw new AppError('forbidden_host', 'the Host header is missing')
    if (open || host === accepted) return
    const name = hostName(host)
    if (!allowed.has(name)) {
      throw new AppError(
        'forbidden_host',
        `Host "${host}" is not allowed; start with --allow-host ${name} to accept it`
      )
    }
    accepted = host
  }
}

/** Browsers send Origin on cross-site requests: refuse those not configured. */
export function checkOrigin(
  headers: IncomingHttpHeaders,
  opts: SecurityOptions
): string | undefined {
  const origin = headers.origin
  if (!origin) return undefined
  // A sandboxed or file: page sends "null": never trusted, even if listed.
  if (origin !== 'null' && opts.corsOrigins.includes(origin)) return origin
  try {
    const url = new URL(origin)
    if (headers.host && url.host === headers.host) return undefined // same origin
  } catch {
    // fall through
  }
  return rejectOrigin(origin)
}

function rejectOrigin(origin: string): never {
  throw new AppError(
    'forbidden_host',
    `requests from origin ${origin} are not allowed; use --cors-origin to allow it`
  )
}

export function checkApiKey(headers: IncomingHttpHeaders, apiKey: string | undefined): void {
  if (!apiKey) return
  const auth = headers.authorization
  const given = auth?.toLowerCase().startsWith('bearer ')
    ? auth.slice(7).trim()
    : (headers['x-api-key'] as string | undefined)
  if (!given)
    throw new AppError(
      'invalid_api_key',
      'an API key is required: send "Authorization: Bearer <key>"'
    )
  const a = Buffer.from(given)
  const b = Buffer.from(apiKey)
  if (a.length !== b.length || !timingSafeEqual(a, b))
    throw new AppError('invalid_api_key', 'the API key is not valid')
}
