/**
 * @module Ollama, managed through the `ollama` npm client: attach to a running server
 * (`OLLAMA_HOST`, else 127.0.0.1:11434; see host.ts) or start a private `ollama serve` on a
 * free port and stop it on exit; list, pull (with progress), delete, show, running models,
 * load/unload via `keep_alive`; `ensureModel` for a composition's `runner: "ollama"` source (a
 * model name, pulled when missing, or a `.Modelfile`, parsed and created through
 * create.ts); `provider()` gives an OllamaProvider.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import type { Ollama, ShowResponse } from 'ollama'
import { isAbortError } from '../../errors'
import { freePort } from '../../net'
import { sleep } from '../../sleep'
import { OllamaError } from './error'
import { loadOllamaClient } from './client'
import { findOllamaBinary, ollamaBaseUrl, probeOllama } from './host'
import {
  expandHome,
  isLocalPath,
  postStream,
  pushBlob,
  readModelfile,
  sanitiseName,
  type EnsureModelOptions,
  type OllamaProgress
} from './create'
import { mergeParameters, type ModelfileSpec, parseModelfile } from './modelfile'
import { OllamaProvider, type OllamaProviderOptions } from './provider'

export type { EnsureModelOptions, OllamaProgress } from './create'

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
  async client(): Promise<Ollama> {
    const OllamaClient = await loadOllamaClient()
    return new OllamaClient({ host: this.baseUrl, fetch: this.opts.fetch })
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
      return await fn(await this.client())
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
      const { text, dir } = await readModelfile(src, opts.baseDir, this.fetchFn)
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
      adapters[path.basename(file)] = await pushBlob(file, this.baseUrl, this.fetchFn)
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
      const digest = await pushBlob(localFrom, this.baseUrl, this.fetchFn)
      await postStream(
        this.baseUrl,
        '/api/create',
        { ...common, files: { [path.basename(localFrom)]: digest }, stream: true },
        opts,
        this.fetchFn
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

  /** A Provider on this server's native chat API. */
  provider(opts: Omit<OllamaProviderOptions, 'baseUrl'> = {}): OllamaProvider {
    return new OllamaProvider({ fetch: this.opts.fetch, ...opts, baseUrl: this.baseUrl })
  }
}
