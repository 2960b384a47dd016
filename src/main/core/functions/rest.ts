/**
 * @module `"type": "rest"` functions: one HTTP request with node's fetch.
 */
import type { FunctionDefinition } from '../../../shared/config/schema'
import { startDeadline } from './deadline'
import { substituteJson, substituteString } from './substitute'
import { type FunctionContext, FunctionError, parseOutput, type RunnerOutput } from './types'

/** A REST function definition. */
export type RestFunction = Extract<FunctionDefinition, { type: 'rest' }>

// How much of an error response's body goes into the message.
const ERROR_BODY_CHARS = 200

/**
 * Substitutes a url template. Values in the path, query and fragment are percent-encoded; values
 * in the scheme and authority (up to the first `/`, `?` or `#` after `scheme://`, or the start of
 * a template such as `$BASE_URL/items`) are inserted as they are, so a base URL can be a variable.
 */
export function substituteUrl(
  template: string,
  ctx: Pick<FunctionContext, 'vars' | 'secrets'>
): string {
  const schemeEnd = template.indexOf('://')
  const searchFrom = schemeEnd >= 0 ? schemeEnd + 3 : 0
  const tail = template.slice(searchFrom).search(/[/?#]/)
  const split = tail < 0 ? template.length : searchFrom + tail
  const origin = substituteString(template.slice(0, split), ctx.vars, ctx.secrets)
  const rest = substituteString(template.slice(split), ctx.vars, ctx.secrets, { encode: 'url' })
  return origin + rest
}

function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause = err.cause instanceof Error ? err.cause.message : undefined
  return cause && cause !== err.message ? `${err.message}: ${cause}` : err.message
}

/** Runs a REST function; throws {@link FunctionError} on failure. */
export async function runRest(def: RestFunction, ctx: FunctionContext): Promise<RunnerOutput> {
  const url = substituteUrl(def.url, ctx)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // The substituted url may hold a secret: name the template only.
    throw new FunctionError(`invalid url (from "${def.url}")`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FunctionError(`url must be http or https, not ${parsed.protocol}`)
  }

  const headers = new Headers()
  for (const [name, value] of Object.entries(def.headers ?? {})) {
    headers.set(name, substituteString(value, ctx.vars, ctx.secrets))
  }
  let body: string | undefined
  if (def.body !== undefined) {
    body = JSON.stringify(substituteJson(def.body, ctx.vars, ctx.secrets))
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  }
  const method = def.method ?? 'GET'
  if (body !== undefined && method === 'GET')
    throw new FunctionError('a GET request cannot have a body')

  const deadline = startDeadline(def.timeout, ctx.signal)
  try {
    let text: string
    let status: number
    try {
      const res = await fetchSameOrigin(parsed, { method, headers, body }, deadline.signal)
      status = res.status
      text = await res.text()
    } catch (err) {
      if (deadline.signal.aborted) throw deadline.reason()
      if (err instanceof FunctionError) throw err
      throw new FunctionError(`request failed: ${describeFetchError(err)}`)
    }
    if (status < 200 || status > 299) {
      const excerpt = text.trim().slice(0, ERROR_BODY_CHARS)
      throw new FunctionError(excerpt ? `HTTP ${status}: ${excerpt}` : `HTTP ${status}`)
    }
    return { output: parseOutput(text) }
  } finally {
    deadline.dispose()
  }
}

// Redirects followed (same origin) before giving up.
const MAX_REDIRECTS = 5

/**
 * fetch that follows redirects within the url's origin only. The headers are the function's
 * own, often built from secrets: they must never reach another origin, so a redirect elsewhere
 * is a {@link FunctionError} naming its Location. As browsers do, 303 (and 301/302 after a
 * POST) continue as a GET without a body.
 */
async function fetchSameOrigin(
  url: URL,
  init: { method: string; headers: Headers; body?: string },
  signal: AbortSignal
): Promise<Response> {
  let current = url
  let { method, body } = init
  for (let hop = 0; ; hop++) {
    const res = await fetch(current, {
      method,
      headers: init.headers,
      body,
      signal,
      redirect: 'manual'
    })
    const location = res.headers.get('location')
    if (res.status < 300 || res.status > 399 || location === null) return res
    await res.body?.cancel()
    let next: URL
    try {
      next = new URL(location, current)
    } catch {
      throw new FunctionError(`HTTP ${res.status}: redirect to an invalid Location "${location}"`)
    }
    if (next.origin !== url.origin) {
      throw new FunctionError(
        `HTTP ${res.status}: redirect to ${next.href} (another origin) not followed, so the function's headers stay with ${url.origin}; set the url to the new address`
      )
    }
    if (hop >= MAX_REDIRECTS) throw new FunctionError(`more than ${MAX_REDIRECTS} redirects`)
    const toGet =
      (res.status === 303 && method !== 'HEAD') ||
      ((res.status === 301 || res.status === 302) && method === 'POST')
    if (toGet) {
      method = 'GET'
      body = undefined
      init.headers.delete('content-type')
    }
    current = next
  }
}
