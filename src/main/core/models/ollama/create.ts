/**
 * @module The raw-HTTP side of creating Ollama models from a Modelfile, where the npm client falls
 * short: reading the Modelfile (a file, http(s) or hf://), uploading local GGUF and adapter files
 * as blobs, and `/api/create` with `files`, reading its NDJSON status lines.
 */
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { sha256File } from '../download'
import { OllamaError } from './error'
import { hfToHttps } from '../sources'

/** One line of pull or create progress. */
export interface OllamaProgress {
  status: string
  digest?: string
  completed?: number
  total?: number
}

export interface EnsureModelOptions {
  /** Name for a model created from a Modelfile (default: the file name without extension). */
  name?: string
  /** Folder relative Modelfile paths are read from (the composition's folder). */
  baseDir?: string
  /** The composition's `parameters`, merged into the Modelfile. */
  parameters?: Record<string, unknown>
  onProgress?(p: OllamaProgress): void
  signal?: AbortSignal
}

export async function readModelfile(
  src: string,
  baseDir: string | undefined,
  fetchFn: typeof fetch
): Promise<{ text: string; dir?: string }> {
  const url = hfToHttps(src)
  if (/^https?:\/\//i.test(url)) {
    const res = await fetchFn(url)
    if (!res.ok)
      throw new OllamaError(
        'invalid_modelfile',
        `cannot fetch Modelfile ${url}: HTTP ${res.status}`
      )
    return { text: await res.text() }
  }
  if (!path.isAbsolute(src) && baseDir === undefined) {
    throw new OllamaError(
      'invalid_modelfile',
      `the Modelfile path ${src} is relative, and there is no folder to resolve it against`
    )
  }
  const file = path.resolve(baseDir ?? '/', src)
  try {
    return { text: await readFile(file, 'utf8'), dir: path.dirname(file) }
  } catch (err) {
    throw new OllamaError(
      'invalid_modelfile',
      `cannot read Modelfile ${file}: ${(err as Error).message}`,
      { cause: err }
    )
  }
}

/** Uploads a file as a blob unless the server has it; returns `sha256:<hex>`. */
export async function pushBlob(
  file: string,
  baseUrl: string,
  fetchFn: typeof fetch
): Promise<string> {
  const digest = `sha256:${await sha256File(file).catch((err: unknown) => {
    throw new OllamaError('invalid_modelfile', `cannot read ${file}: ${(err as Error).message}`, {
      cause: err
    })
  })}`
  const at = `${baseUrl}/api/blobs/${digest}`
  const head = await fetchFn(at, { method: 'HEAD' })
  if (head.ok) return digest
  const res = await fetchFn(at, {
    method: 'POST',
    body: Readable.toWeb(createReadStream(file)) as unknown as NonNullable<RequestInit['body']>,
    duplex: 'half'
  } as RequestInit)
  if (!res.ok)
    throw new OllamaError(
      'request_failed',
      `uploading ${file} to Ollama failed: HTTP ${res.status} ${await res.text()}`
    )
  return digest
}

/** POSTs JSON and reads an NDJSON status stream, failing on an `error` line. */
export async function postStream(
  baseUrl: string,
  pathname: string,
  body: Record<string, unknown>,
  opts: EnsureModelOptions,
  fetchFn: typeof fetch
): Promise<void> {
  const res = await fetchFn(`${baseUrl}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: opts.signal
  })
  const text = await res.text()
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    let event: {
      status?: string
      error?: string
      digest?: string
      completed?: number
      total?: number
    }
    try {
      event = JSON.parse(line) as typeof event
    } catch {
      continue
    }
    if (event.error)
      throw new OllamaError(
        'request_failed',
        `Ollama at ${baseUrl}: ${pathname} failed: ${event.error}`
      )
    if (event.status)
      opts.onProgress?.({
        status: event.status,
        digest: event.digest,
        completed: event.completed,
        total: event.total
      })
  }
  if (!res.ok)
    throw new OllamaError(
      'request_failed',
      `Ollama at ${baseUrl}: ${pathname} answered ${res.status}: ${text.slice(0, 300)}`
    )
}

export function isLocalPath(from: string): boolean {
  return (
    /^(\.{1,2}[/\\]|[/\\]|~[/\\]|[a-zA-Z]:[/\\])/.test(from) ||
    /\.(gguf|bin|safetensors)$/i.test(from)
  )
}

export function expandHome(p: string): string {
  return p.startsWith('~/') || p.startsWith('~\\')
    ? path.join(process.env.HOME ?? process.env.USERPROFILE ?? '', p.slice(2))
    : p
}

export function sanitiseName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'model'
  )
}
