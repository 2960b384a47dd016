/**
 * @module Ollama, managed through the `ollama` npm client: find the binary, attach to a running
 * server (`OLLAMA_HOST`, else 127.0.0.1:11434) or start a private `ollama serve` on a free port
 * and stop it on exit; list, pull (with progress), delete, show, running models, load/unload via
 * `keep_alive`; `ensureModel` for a composition's `runner: "ollama"` source (a model name, pulled
 * when missing, or a `.Modelfile`, parsed and created); `provider()` gives an OllamaProvider.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { constants as fsConstants, createReadStream } from 'node:fs'
import { access, readFile } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { Ollama, type ShowResponse } from 'ollama'
import { isAbortError } from '../errors'
import { freePort } from '../net'
import { sleep } from '../sleep'
import { sha256File } from './download'
import { OllamaError } from './ollama-error'
import { mergeParameters, type ModelfileSpec, parseModelfile } from './ollama-modelfile'
import { OllamaProvider, type OllamaProviderOptions } from './ollama-provider'
import { hfToHttps } from './sources'

export const DEFAULT_OLLAMA_PORT = 11434

// ── host and binary ─────────────────────────────────────────────────────────────────────────────

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

// ── the manager ─────────────────────────────────────────────────────────────────────────────────

export interface OllamaModel {
  name: string
  size: number
  digest: string
  modifiedAt?: string
  family?: string
  parameterSize?: string
  quantisation?: string
}

export interface OllamaRunningModel extends OllamaModel {
  sizeVram: number
  expiresAt?: string
}

/** One line of pull or create progress. */
export interface OllamaProgress {
  status: string
  digest?: string
  completed?: number
  total?: number
}

export interface OllamaManagerOptions {
  /** Explicit host (same forms as OLLAMA_HOST); default from `env.OLLAMA_HOST`. */
  host?: string
  /** Path of the `ollama` binary; default: PATH lookup. */
  binary?: string
  env?: NodeJS.ProcessEnv
  /** Budget for a managed server to answer `/api/version` (default 30 s). */
  readyTimeoutMs?: number
  /** Time between SIGTERM and SIGKILL when stopping a managed server (default 5 s). */
  stopTimeoutMs?: number
  fetch?: typeof fetch
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

/** `llama3` and `llama3:latest` are the same model. */
export function normaliseModelName(name: string): string {
  const n = name.trim()
  const lastSegment = n.slice(n.lastIndexOf('/') + 1)
  return lastSegment.includes(':') ? n : `${n}:latest`
}

function toModel(m: {
  name?: string
  model?: string
  size?: number
  digest?: string
  modified_at?: unknown
  details?: Partial<{ family: string; parameter_size: string; quantization_level: string }>
}): OllamaModel {
  return {
    name: m.name ?? m.model ?? '',
    size: m.size ?? 0,
    digest: m.digest ?? '',
    modifiedAt: typeof m.modified_at === 'string' ? m.modified_at : undefined,
    family: m.details?.family,
    parameterSize: m.details?.parameter_size,
    quantisation: m.details?.quantization_level
  }
}

/**
 * One Ollama server: attached to a running one or started privately. Every operation goes through
 * the `ollama` npm client, except uploading a local GGUF for a Modelfile's `FROM ./file.gguf`
 * (the client refuses local paths), which uses the blobs API directly.
 */
export class OllamaManager {
  private url?: string
  private child?: ChildProcess
  private childExit?: Promise<void>
  private stderrTail: string[] = []
  private readonly onProcessExit = (): void => {
    this.child?.kill('SIGTERM')
  }

  constructor(private readonly opts: OllamaManagerOptions = {}) {}

  private get env(): NodeJS.ProcessEnv {
    return this.opts.env ?? process.env
  }

  private get fetchFn(): typeof fetch {
    return this.opts.fetch ?? fetch
  }

  /** The server's base URL (no `/v1`). */
  get baseUrl(): string {
    if (!this.url)
      throw new OllamaError(
        'not_connected',
        'not connected to Ollama: call attach(), startManaged() or connect() first'
      )
    return this.url
  }

  /** The OpenAI-compatible base URL (`…/v1`). */
  get openAIBaseUrl(): string {
    return `${this.baseUrl}/v1`
  }

  /** Whether this manager started the server (and will stop it). */
  get managed(): boolean {
    return this.child !== undefined
  }

  /** The npm client for the connected server. */
  get client(): Ollama {
    return new Ollama({ host: this.baseUrl, fetch: this.opts.fetch })
  }

  /**
   * Attaches to a running server at `host`, `OLLAMA_HOST` or 127.0.0.1:11434.
   *
   * @returns the server's version
   * @throws {OllamaError} `unreachable`
   */
  async attach(): Promise<string> {
    const url = ollamaBaseUrl(this.opts.host ?? this.env.OLLAMA_HOST)
    const version = await probeOllama(url, { fetch: this.opts.fetch })
    if (!version)
      throw new OllamaError('unreachable', `no Ollama server answers at ${url} (GET /api/version)`)
    this.url = url
    return version
  }

  /**
   * Runs `ollama serve` on a free 127.0.0.1 port and waits until it answers, polling
   * `/api/version` with backoff. The server is stopped by {@link stop} or when this process exits.
   *
   * @throws {OllamaError} `not_installed`, `start_failed`
   */
  async startManaged(): Promise<string> {
    if (this.child && this.url) return this.version()
    const binary = await findOllamaBinary({ binary: this.opts.binary, env: this.env })
    if (!binary) {
      throw new OllamaError(
        'not_installed',
        'ollama is not installed: no `ollama` on PATH (install it from https://ollama.com, or configure its path)'
      )
    }
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    this.stderrTail = []
    const child = spawn(binary, ['serve'], {
      env: { ...this.env, OLLAMA_HOST: `127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    this.child = child
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined
    let spawnError: Error | undefined
    this.childExit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exited = { code, signal }
        resolve()
      })
      child.once('error', (err) => {
        spawnError = err
        exited ??= { code: null, signal: null }
        resolve()
      })
    })
    const keep = (chunk: Buffer): void => {
      this.stderrTail.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      if (this.stderrTail.length > 20) this.stderrTail.splice(0, this.stderrTail.length - 20)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    process.once('exit', this.onProcessExit)

    const budget = this.opts.readyTimeoutMs ?? 30_000
    const started = Date.now()
    let delay = 25
    for (;;) {
      if (exited) {
        this.forget()
        const why = spawnError
          ? spawnError.message
          : `exited with ${exited.signal ?? `code ${exited.code}`}`
        throw new OllamaError(
          'start_failed',
          `ollama serve ${why} before it was ready${this.tail()}`
        )
      }
      const version = await probeOllama(url, { timeoutMs: 1000, fetch: this.opts.fetch })
      if (version) {
        this.url = url
        return version
      }
      if (Date.now() - started > budget) {
        await this.stop()
        throw new OllamaError(
          'start_failed',
          `ollama serve did not answer on ${url} within ${budget} ms${this.tail()}`
        )
      }
      await Promise.race([sleep(delay), this.childExit])
      delay = Math.min(delay * 2, 1000)
    }
  }

  /** Attaches to a running server; if none answers and ollama is installed, starts a managed one. */
  async connect(): Promise<string> {
    try {
      return await this.attach()
    } catch (err) {
      const binary = await findOllamaBinary({ binary: this.opts.binary, env: this.env }).catch(
        () => undefined
      )
      if (!binary) {
        throw new OllamaError(
          'not_installed',
          `${(err as Error).message}, and ollama is not installed (no \`ollama\` on PATH); install it from https://ollama.com`
        )
      }
      return this.startManaged()
    }
  }

  /** Stops a managed server: SIGTERM, then SIGKILL after the budget. Detaches from an attached one. */
  async stop(): Promise<void> {
    const child = this.child
    const exit = this.childExit
    this.url = undefined
    if (!child || !exit) return
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const budget = this.opts.stopTimeoutMs ?? 5000
      let timer: NodeJS.Timeout | undefined
      const timedOut = await Promise.race([
        exit.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), budget)
        })
      ])
      clearTimeout(timer)
      if (timedOut) {
        child.kill('SIGKILL')
        await exit
      }
    }
    this.forget()
  }

  private forget(): void {
    process.off('exit', this.onProcessExit)
    this.child = undefined
    this.childExit = undefined
  }

  private tail(): string {
    return this.stderrTail.length
      ? `; its last output:\n${this.stderrTail.slice(-8).join('\n')}`
      : ''
  }

  /** Wraps client errors with what was being done. */
  private async call<T>(what: string, fn: (c: Ollama) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client)
    } catch (err) {
      if (err instanceof OllamaError || isAbortError(err)) throw err
      throw new OllamaError(
        'request_failed',
        `Ollama at ${this.url}: ${what} failed: ${(err as Error).message}`,
        { cause: err }
      )
    }
  }

  async version(): Promise<string> {
    return this.call('version', async (c) => (await c.version()).version)
  }

  /** Models on the server (`/api/tags`). */
  async list(): Promise<OllamaModel[]> {
    return this.call('list', async (c) => (await c.list()).models.map(toModel))
  }

  /** Whether a model is present (`llama3` matches `llama3:latest`). */
  async has(name: string): Promise<boolean> {
    const want = normaliseModelName(name)
    return (await this.list()).some((m) => normaliseModelName(m.name) === want)
  }

  /** Pulls a model, streaming progress. Cancel with `signal`. */
  async pull(
    name: string,
    opts: { onProgress?(p: OllamaProgress): void; signal?: AbortSignal } = {}
  ): Promise<void> {
    await this.call(`pull ${name}`, async (c) => {
      const stream = await c.pull({ model: name, stream: true })
      const onAbort = (): void => stream.abort()
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      try {
        for await (const p of stream) {
          opts.onProgress?.({
            status: p.status,
            digest: p.digest || undefined,
            completed: p.completed,
            total: p.total
          })
        }
      } finally {
        opts.signal?.removeEventListener('abort', onAbort)
      }
    })
  }

  async delete(name: string): Promise<void> {
    await this.call(`delete ${name}`, (c) => c.delete({ model: name }))
  }

  async show(name: string): Promise<ShowResponse> {
    return this.call(`show ${name}`, (c) => c.show({ model: name }))
  }

  /** Models loaded in memory (`/api/ps`). */
  async running(): Promise<OllamaRunningModel[]> {
    return this.call('ps', async (c) =>
      (await c.ps()).models.map((m) => ({
        ...toModel(m),
        sizeVram: m.size_vram ?? 0,
        expiresAt: typeof m.expires_at === 'string' ? m.expires_at : undefined
      }))
    )
  }

  /** Loads a model into memory (`/api/generate` with an empty prompt), kept for `keepAlive`. */
  async load(name: string, keepAlive: string | number = '5m'): Promise<void> {
    await this.call(`load ${name}`, (c) =>
      c.generate({ model: name, prompt: '', keep_alive: keepAlive, stream: false })
    )
  }

  /** Unloads a model from memory (`keep_alive: 0`). */
  async unload(name: string): Promise<void> {
    await this.call(`unload ${name}`, (c) =>
      c.generate({ model: name, prompt: '', keep_alive: 0, stream: false })
    )
  }

  /**
   * Makes a composition's `runner: "ollama"` source available and returns the model name to send:
   *  - a model name: pulled when missing; with `opts.name` and `opts.parameters`, a model of that
   *    name is created from it with those parameters;
   *  - a `.Modelfile` (local, http(s) or hf://): parsed, merged with `parameters`, and created
   *    (its FROM model pulled first when missing; a FROM GGUF file uploaded as a blob).
   */
  async ensureModel(source: string, opts: EnsureModelOptions = {}): Promise<string> {
    const src = source.trim()
    if (!src) throw new OllamaError('invalid_modelfile', 'the ollama model source is empty')
    if (/\.modelfile$/i.test(src) || path.basename(src) === 'Modelfile') {
      const { text, dir } = await this.readModelfile(src, opts.baseDir)
      const spec = mergeParameters(parseModelfile(text), opts.parameters)
      const name =
        opts.name ?? sanitiseName(path.basename(src).replace(/\.modelfile$/i, '') || 'model')
      await this.createFrom(name, spec, dir, opts)
      return name
    }
    if (!(await this.has(src))) await this.pull(src, opts)
    const params = opts.parameters ?? {}
    if (opts.name && opts.name !== src && Object.keys(params).length > 0) {
      await this.createFrom(
        opts.name,
        mergeParameters(
          { from: src, parameters: {}, license: [], adapters: [], messages: [] },
          params
        ),
        undefined,
        opts
      )
      return opts.name
    }
    return src
  }

  private async readModelfile(
    src: string,
    baseDir?: string
  ): Promise<{ text: string; dir?: string }> {
    const url = hfToHttps(src)
    if (/^https?:\/\//i.test(url)) {
      const res = await this.fetchFn(url)
      if (!res.ok)
        throw new OllamaError(
          'invalid_modelfile',
          `cannot fetch Modelfile ${url}: HTTP ${res.status}`
        )
      return { text: await res.text() }
    }
    const file = path.resolve(baseDir ?? process.cwd(), src)
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

  private async createFrom(
    name: string,
    spec: ModelfileSpec,
    dir: string | undefined,
    opts: EnsureModelOptions
  ): Promise<void> {
    const localFrom =
      dir !== undefined && isLocalPath(spec.from)
        ? path.resolve(dir, expandHome(spec.from))
        : undefined
    const adapters: Record<string, string> = {}
    for (const a of spec.adapters) {
      if (dir === undefined)
        throw new OllamaError('invalid_modelfile', `ADAPTER ${a} needs a local Modelfile`)
      const file = path.resolve(dir, expandHome(a))
      adapters[path.basename(file)] = await this.pushBlob(file)
    }
    const common = {
      model: name,
      system: spec.system,
      template: spec.template,
      license: spec.license.length ? spec.license : undefined,
      parameters: Object.keys(spec.parameters).length ? spec.parameters : undefined,
      messages: spec.messages.length ? spec.messages : undefined,
      adapters: Object.keys(adapters).length ? adapters : undefined
    }
    if (localFrom) {
      // The npm client rejects local paths, so upload the blob and create with `files` directly.
      const digest = await this.pushBlob(localFrom)
      await this.postStream(
        '/api/create',
        { ...common, files: { [path.basename(localFrom)]: digest }, stream: true },
        opts
      )
      return
    }
    if (!(await this.has(spec.from))) await this.pull(spec.from, opts)
    await this.call(`create ${name}`, async (c) => {
      const stream = await c.create({ ...common, from: spec.from, stream: true })
      for await (const p of stream)
        opts.onProgress?.({
          status: p.status,
          digest: p.digest || undefined,
          completed: p.completed,
          total: p.total
        })
    })
  }

  /** Uploads a file as a blob unless the server has it; returns `sha256:<hex>`. */
  private async pushBlob(file: string): Promise<string> {
    const digest = `sha256:${await sha256File(file).catch((err: unknown) => {
      throw new OllamaError('invalid_modelfile', `cannot read ${file}: ${(err as Error).message}`, {
        cause: err
      })
    })}`
    const at = `${this.baseUrl}/api/blobs/${digest}`
    const head = await this.fetchFn(at, { method: 'HEAD' })
    if (head.ok) return digest
    const res = await this.fetchFn(at, {
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
  private async postStream(
    pathname: string,
    body: Record<string, unknown>,
    opts: EnsureModelOptions
  ): Promise<void> {
    const res = await this.fetchFn(`${this.baseUrl}${pathname}`, {
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
          `Ollama at ${this.url}: ${pathname} failed: ${event.error}`
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
        `Ollama at ${this.url}: ${pathname} answered ${res.status}: ${text.slice(0, 300)}`
      )
  }

  /** A Provider on this server's native chat API. */
  provider(opts: Omit<OllamaProviderOptions, 'baseUrl'> = {}): OllamaProvider {
    return new OllamaProvider({ fetch: this.opts.fetch, ...opts, baseUrl: this.baseUrl })
  }
}

function isLocalPath(from: string): boolean {
  return (
    /^(\.{1,2}[/\\]|[/\\]|~[/\\]|[a-zA-Z]:[/\\])/.test(from) ||
    /\.(gguf|bin|safetensors)$/i.test(from)
  )
}

function expandHome(p: string): string {
  return p.startsWith('~/') || p.startsWith('~\\')
    ? path.join(process.env.HOME ?? process.env.USERPROFILE ?? '', p.slice(2))
    : p
}

function sanitiseName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'model'
  )
}
