/**
 * @module The control API from the command line: a typed client for `POST /api/<route>` and the
 * `/api/events` stream, and how the verbs find their server (a named context, else the `local`
 * one: the server running on this machine's data folder).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ControlError, Envelope } from '../../shared/contract/errors'
import type { EventName } from '../../shared/contract/events'
import type { OutputOf, RequestOf, RouteName } from '../../shared/contract/routes'
import { defaultDataDir, SERVER_FILE } from '../core/paths'
import { type CliContext, contextFilePath, LOCAL_CONTEXT, readContexts } from './contexts'

/** A failure the server reported (its code and message), or a transport failure. */
export class RemoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>
  ) {
    super(message)
  }
}

export class ControlApiClient {
  constructor(
    readonly url: string,
    private readonly token: string | undefined
  ) {}

  private headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {}
  }

  /** Calls a route; the server's error comes back as a RemoteError. */
  async call<R extends RouteName>(route: R, input: RequestOf<R>): Promise<OutputOf<R>> {
    let res: Response
    try {
      res = await fetch(`${this.url}/api/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.headers() },
        body: JSON.stringify(input ?? {})
      })
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message
      throw new RemoteError('unreachable', `cannot reach llmnet at ${this.url} (${cause})`)
    }
    let body: Envelope<OutputOf<R>>
    try {
      body = (await res.json()) as Envelope<OutputOf<R>>
    } catch {
      throw new RemoteError(
        'bad_answer',
        `${this.url} answered HTTP ${res.status} without the control API's envelope: is it llmnet serve or the desktop app?`
      )
    }
    if (!body.ok) throw remoteError(body.error)
    return body.data
  }

  /** Follows `/api/events` until `signal` aborts; yields each event with its parsed payload. */
  async *events(
    names: EventName[],
    signal: AbortSignal,
    onOpen?: () => void
  ): AsyncGenerator<{ event: string; data: unknown }> {
    const query = names.length ? `?events=${names.join(',')}` : ''
    const res = await fetch(`${this.url}/api/events${query}`, { headers: this.headers(), signal })
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => undefined)) as Envelope<never> | undefined
      throw body && !body.ok
        ? remoteError(body.error)
        : new RemoteError('bad_answer', `events: HTTP ${res.status}`)
    }
    onOpen?.()
    let buffer = ''
    const decoder = new TextDecoder()
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true })
      let end
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        let event = 'message'
        let data = ''
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7)
          else if (line.startsWith('data: ')) data += line.slice(6)
        }
        if (data) yield { event, data: JSON.parse(data) as unknown }
      }
    }
  }
}

function remoteError(e: ControlError): RemoteError {
  return new RemoteError(e.code, e.message, e.details)
}

/**
 * The server the verbs talk to: `--context NAME`, else the current context, else `local` (the
 * server on this machine's data folder, found through its `server.json` and access token).
 */
export async function resolveContext(
  env: NodeJS.ProcessEnv,
  opts: { context?: string; config?: string } = {}
): Promise<CliContext> {
  const file = contextFilePath(env, opts.config)
  const data = await readContexts(file)
  const name = opts.context ?? data['current-context'] ?? LOCAL_CONTEXT
  const found = data.contexts[name]
  if (found) return { ...found, name }
  if (name !== LOCAL_CONTEXT) {
    const known = Object.keys(data.contexts)
    throw new RemoteError(
      'no_context',
      `no context named "${name}" in ${file}${known.length ? `; known: ${known.join(', ')}` : ''}`
    )
  }
  return localContext(env)
}

/** The desktop app or `llmnet serve` running on this machine's data folder. */
export async function localContext(env: NodeJS.ProcessEnv): Promise<CliContext> {
  const dataDir = defaultDataDir(env)
  let server: { url?: unknown }
  try {
    server = JSON.parse(await readFile(join(dataDir, SERVER_FILE), 'utf8')) as { url?: unknown }
  } catch {
    throw new RemoteError(
      'not_running',
      `no llmnet is running on ${dataDir}: start the desktop app or "llmnet serve", or pick a context ("llmnet context list")`
    )
  }
  const token = await readFile(join(dataDir, 'access-token'), 'utf8').then(
    (t) => t.trim(),
    () => undefined
  )
  if (typeof server.url !== 'string')
    throw new RemoteError('not_running', `${join(dataDir, SERVER_FILE)} names no server`)
  return { name: LOCAL_CONTEXT, kind: 'llmnet', url: server.url, token }
}
