/**
 * @module Request guards for the localhost API: a Host allowlist against DNS rebinding, an
 * Origin check (no CORS unless an origin is configured), and an optional bearer API key.
 * A server reachable from other machines must have a key, and still checks Host.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { hostname, networkInterfaces } from 'node:os'
import { AppError } from '../errors'

export interface SecurityOptions {
  /** Extra Host names accepted besides localhost, 127.0.0.1, [::1] and the bound host. */
  allowedHosts: readonly string[]
  /** Origins allowed to call from a browser (exact `scheme://host:port`). */
  corsOrigins: readonly string[]
  apiKey?: string
  /**
   * Serve a non-loopback address without an API key (`--insecure-no-key`). Without it, such a
   * server refuses to start: anyone on the network could use it.
   */
  allowNoKey?: boolean
}

const LOOPBACK = ['localhost', '127.0.0.1', '::1', '[::1]']

/** How a container addresses its host: Docker's name, and Podman's. */
export const CONTAINER_HOST_NAMES = ['host.docker.internal', 'host.containers.internal']

/**
 * The host name of a Host header, without port (IPv6 keeps its brackets); `''` when the header
 * is not `host[:digits]` (RFC 9110 §7.2), so `[::1]evil.example` or `localhost:evil.example`
 * never passes for a loopback name.
 */
export function hostName(host: string): string {
  const m = /^(\[[0-9a-f:.]+\]|[^[\]:/@\s]*)(?::\d*)?$/i.exec(host)
  return m?.[1]?.toLowerCase() ?? ''
}

/** True for an address only this machine can reach: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return (
    h === 'localhost' ||
    h === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(h) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(h)
  )
}

/** The problem with serving `host` under these options, or undefined when it may be served. */
export function exposureProblem(
  opts: Pick<SecurityOptions, 'apiKey' | 'allowNoKey'>,
  host: string
): string | undefined {
  if (opts.apiKey !== undefined && opts.apiKey.trim() === '') return 'the API key is empty'
  if (isLoopbackAddress(host) || opts.apiKey || opts.allowNoKey) return undefined
  return `--host ${host} is reachable from other machines: pass --api-key KEY (or set LLMNET_API_KEY), or --insecure-no-key to serve it to anyone on the network`
}

/** The names this machine answers to: its host name, `<hostname>.local` and its addresses. */
function machineNames(): string[] {
  const names: string[] = []
  try {
    const name = hostname().toLowerCase()
    if (name) names.push(name, `${name}.local`)
  } catch {
    // no host name: addresses still count
  }
  try {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.push(a.family === 'IPv6' ? `[${a.address}]` : a.address)
    }
  } catch {
    // some sandboxes refuse to list interfaces
  }
  return names
}

/** A Host name as it appears in a Host header (IPv6 in brackets). */
function asHostName(host: string): string {
  const h = host.toLowerCase()
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h
}

/**
 * Builds the Host check once; it runs on every request. Throws when `boundHost` may not be served
 * (see {@link exposureProblem}). A non-loopback bind also accepts the machine's own names and
 * addresses, and with an API key the names containers use for their host
 * ({@link CONTAINER_HOST_NAMES}); every other Host is refused, so a DNS-rebinding page cannot
 * reach the API.
 */
export function hostChecker(
  opts: SecurityOptions,
  boundHost: string
): (headers: IncomingHttpHeaders) => void {
  const problem = exposureProblem(opts, boundHost)
  if (problem) throw new Error(problem)
  const offLoopback = !isLoopbackAddress(boundHost)
  const allowed = new Set([
    ...LOOPBACK,
    boundHost.toLowerCase(),
    asHostName(boundHost),
    ...(offLoopback ? machineNames() : []),
    // Containers (Docker Desktop, Podman) reach this machine by these names; only a server
    // that other machines may reach, and that requires a key, accepts them unasked.
    ...(offLoopback && opts.apiKey ? CONTAINER_HOST_NAMES : []),
    ...opts.allowedHosts.map(asHostName)
  ])
  // Clients send the same Host on every request: remember the last one accepted.
  let accepted: string | undefined
  return (headers) => {
    const host = headers.host
    if (!host) throw new AppError('forbidden_host', 'the Host header is missing')
    if (host === accepted) return
    const name = hostName(host)
    if (!name) throw new AppError('forbidden_host', `Host "${host}" is not a host name and port`)
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

/** Response headers a browser page on an allowed origin may read. */
export const EXPOSED_HEADERS = 'x-request-id, x-llmnet-route, x-llmnet-dropped-tools'

/** Always allowed in a preflight, asked for or not. */
const BASE_ALLOWED_HEADERS = ['authorization', 'content-type', 'x-api-key', 'x-request-id']
/** An HTTP header name (RFC 9110 token), of a sane length. */
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/
const MAX_ALLOWED_HEADERS = 64

/**
 * The `Access-Control-Allow-Headers` of a preflight from an allowed origin: the names the
 * browser asked for (the OpenAI SDK sends `x-stainless-*`), each a valid header name, plus the
 * base ones. Anything else in the request header is dropped, so it never reaches the response.
 */
export function allowedRequestHeaders(requested: string | string[] | undefined): string {
  const names = new Set(BASE_ALLOWED_HEADERS)
  const list = Array.isArray(requested) ? requested.join(',') : (requested ?? '')
  for (const raw of list.split(',')) {
    if (names.size >= MAX_ALLOWED_HEADERS) break
    const name = raw.trim().toLowerCase()
    if (HEADER_NAME.test(name)) names.add(name)
  }
  return [...names].join(', ')
}

function rejectOrigin(origin: string): never {
  throw new AppError(
    'forbidden_host',
    `requests from origin ${origin} are not allowed; use --cors-origin to allow it`
  )
}

/** Compares digests of equal length, so neither the time nor an early exit reveals the key's length. */
export function keysEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/** Requires the bearer key (or `x-api-key`) when one is configured. */
export function checkApiKey(headers: IncomingHttpHeaders, apiKey: string | undefined): void {
  if (!apiKey) return
  const auth = headers.authorization
  const given = auth?.toLowerCase().startsWith('bearer ')
    ? auth.slice(7).trim()
    : (headers['x-api-key'] as string | undefined)
  if (!given)
    throw new AppError(
      'invalid_api_key',
      'an API key is required: send "Authorization: Bearer <key>" or "x-api-key: <key>"'
    )
  if (!keysEqual(given, apiKey)) throw new AppError('invalid_api_key', 'the API key is not valid')
}
