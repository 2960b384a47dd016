/**
 * @module Where Ollama is: `OLLAMA_HOST` read the way Ollama reads it, the `ollama` binary on PATH,
 * and a probe of `/api/version` that tells an Ollama server from anything else on the port.
 */
import { constants as fsConstants } from 'node:fs'
import { access } from 'node:fs/promises'
import path from 'node:path'
import { OllamaError } from './error'

export const DEFAULT_OLLAMA_PORT = 11434

/**
 * The base URL for an `OLLAMA_HOST` value, read as Ollama reads it: no scheme means http, no port
 * means 11434 (80/443 with an explicit http/https scheme), `:1234` means 127.0.0.1:1234. A bind-all
 * address (0.0.0.0, ::) is reached on 127.0.0.1.
 */
export function ollamaBaseUrl(hostEnv?: string): string {
  let s = (hostEnv ?? '').trim()
  if (!s) return `http://127.0.0.1:${DEFAULT_OLLAMA_PORT}`
  let scheme = 'http'
  let defaultPort = String(DEFAULT_OLLAMA_PORT)
  const sep = s.indexOf('://')
  if (sep >= 0) {
    scheme = s.slice(0, sep).toLowerCase()
    s = s.slice(sep + 3)
    if (scheme === 'http') defaultPort = '80'
    else if (scheme === 'https') defaultPort = '443'
  }
  const slash = s.indexOf('/')
  const pathPart = slash >= 0 ? s.slice(slash).replace(/\/+$/, '') : ''
  const hostport = slash >= 0 ? s.slice(0, slash) : s
  let host: string
  let port: string
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport)
  if (m && m[2]) {
    host = m[1] || '127.0.0.1'
    port = m[2]
  } else if (/^[^[\]]*:[^[\]]*:/.test(hostport)) {
    // A bare IPv6 address without brackets or port.
    host = `[${hostport}]`
    port = defaultPort
  } else {
    host = (m?.[1] ?? hostport) || '127.0.0.1'
    port = defaultPort
  }
  if (host === '0.0.0.0' || host === '[::]' || host === '[::0]') host = '127.0.0.1'
  return `${scheme}://${host}:${port}${pathPart}`
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, process.platform === 'win32' ? fsConstants.F_OK : fsConstants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The `ollama` executable: the configured path (which must exist), else the first match on PATH.
 * Undefined when it is not installed.
 */
export async function findOllamaBinary(
  opts: { binary?: string; env?: NodeJS.ProcessEnv } = {}
): Promise<string | undefined> {
  if (opts.binary) {
    if (await isExecutable(opts.binary)) return path.resolve(opts.binary)
    throw new OllamaError(
      'not_installed',
      `the configured ollama binary ${opts.binary} does not exist or is not executable`
    )
  }
  const env = opts.env ?? process.env
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean)
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : ['']
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, `ollama${ext}`)
      if (await isExecutable(candidate)) return candidate
    }
  }
  return undefined
}

/** The server's version from `GET /api/version`, or undefined when nothing answers like Ollama. */
export async function probeOllama(
  baseUrl: string,
  opts: { timeoutMs?: number; fetch?: typeof fetch } = {}
): Promise<string | undefined> {
  const f = opts.fetch ?? fetch
  try {
    const res = await f(`${baseUrl}/api/version`, {
      signal: AbortSignal.timeout(opts.timeoutMs ?? 2000)
    })
    if (!res.ok) return undefined
    const body = (await res.json()) as { version?: unknown }
    return typeof body.version === 'string' ? body.version : undefined
  } catch {
    return undefined
  }
}

/** Where to get Ollama, printed when a composition needs it and it is missing. */
export const OLLAMA_DOWNLOAD_URL = 'https://ollama.com/download'

/** Ollama as `/status` and `models.ollama_status` report it. */
export interface OllamaHostStatus {
  /** The binary is on PATH, or a server answers. */
  installed: boolean
  running: boolean
  /** Whether llmnet started it (and stops it on quit). */
  managed: boolean
  /** The base URL llmnet uses (a managed server's, else `OLLAMA_HOST`'s). */
  host: string
  version: string | null
}

/**
 * Probes Ollama: the server at `managedUrl` (one llmnet started) or `OLLAMA_HOST`, and the binary
 * on PATH. Never throws.
 */
export async function ollamaHostStatus(
  opts: { env?: NodeJS.ProcessEnv; managedUrl?: string; timeoutMs?: number } = {}
): Promise<OllamaHostStatus> {
  const env = opts.env ?? process.env
  const host = opts.managedUrl ?? ollamaBaseUrl(env.OLLAMA_HOST)
  const [version, binary] = await Promise.all([
    probeOllama(host, { timeoutMs: opts.timeoutMs ?? 1000 }),
    findOllamaBinary({ env }).catch(() => undefined)
  ])
  return {
    installed: binary !== undefined || version !== undefined,
    running: version !== undefined,
    managed: opts.managedUrl !== undefined,
    host,
    version: version ?? null
  }
}
