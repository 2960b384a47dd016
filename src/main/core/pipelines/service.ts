/**
 * @module The one place pipelines enter the runtime. Sources hand it text — watched files, the
 * SQLite library — and it validates, resolves secrets, compiles and serves them. Every pipeline has
 * an origin and a folder its relative paths resolve against: a file's own folder, or the library
 * pipeline's workspace under the data folder; never the process's working folder.
 */
import { type FSWatcher, watch } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, isAbsolute, join } from 'node:path'
import type { SourceFormat } from '../../../shared/config/source'
import { PIPELINE_NAME_RULE, isPipelineName } from '../../../shared/pipeline-name'
import {
  type CheckedText,
  type LoadedComposition,
  loadPipelineFile,
  loadPipelineText,
  pipelineIdFromPath,
  type SecretOptions
} from '../config/load-composition'
import { type CompiledPipeline, compilePipeline } from '../engine/pipeline'
import { AppError } from '../errors'
import type { EventBus } from '../events'
import { describeErrors } from './loader'
import type { PipelineRegistry } from './registry'

/** Where a served pipeline came from. */
export type PipelineOrigin =
  { kind: 'file'; path: string } | { kind: 'library'; name: string; version?: number }

export interface PipelineServiceOptions {
  registry: PipelineRegistry
  events: EventBus
  secrets: SecretOptions
  /** Library pipelines get `<workspaceRoot>/<name>/` (created on first load). */
  workspaceRoot?: string
  /** Called after a pipeline stops being served, to release its providers and idle workers. */
  onRemoved?: (pipeline: CompiledPipeline) => void | Promise<void>
  /** Files larger than this are refused unread (default 8 MiB). */
  maxFileBytes?: number
  /** Reads, validates and resolves one file (injectable to test failures). */
  loadFile?: typeof loadPipelineFile
}

/** A short label for diagnostics and events: the file, or `library:<name>`. */
export function originLabel(origin: PipelineOrigin): string {
  return origin.kind === 'file' ? origin.path : `library:${origin.name}`
}

function sameOrigin(a: PipelineOrigin, b: PipelineOrigin): boolean {
  return a.kind === 'file'
    ? b.kind === 'file' && a.path === b.path
    : b.kind === 'library' && a.name === b.name
}

export class PipelineService {
  private readonly origins = new Map<string, PipelineOrigin>()
  /** The text of each library pipeline, to recompile it when a secret it uses changes. */
  private readonly texts = new Map<string, { text: string; format: SourceFormat }>()
  private readonly watchers: FSWatcher[] = []
  private readonly timers = new Map<string, NodeJS.Timeout>()

  constructor(private readonly opts: PipelineServiceOptions) {}

  /** Where a served pipeline came from. */
  origin(id: string): PipelineOrigin | undefined {
    return this.origins.get(id)
  }

  /** The folder a library pipeline's relative paths resolve against. */
  workspaceFor(name: string): string {
    if (!this.opts.workspaceRoot) {
      throw new Error('this runtime has no data folder: library pipelines need one')
    }
    return join(this.opts.workspaceRoot, name)
  }

  /** Loads (or reloads) a composition file; the registry changes only when it is valid. */
  async loadFile(path: string, reloaded = false): Promise<LoadedComposition> {
    if (!isAbsolute(path)) throw new Error(`pipeline files are given as absolute paths: ${path}`)
    const origin: PipelineOrigin = { kind: 'file', path }
    const load = this.opts.loadFile ?? loadPipelineFile
    return this.guard(pipelineIdFromPath(path), origin, reloaded, () =>
      load(path, { secrets: this.opts.secrets, maxBytes: this.opts.maxFileBytes })
    )
  }

  /**
   * Loads (or replaces) a library pipeline from its text; its workspace folder is created.
   * `checked`: the same text already validated (a save), so it is not validated again.
   */
  async loadText(
    name: string,
    text: string,
    format: SourceFormat,
    opts: { version?: number; reloaded?: boolean; checked?: CheckedText } = {}
  ): Promise<LoadedComposition> {
    const origin: PipelineOrigin = { kind: 'library', name, version: opts.version }
    const loaded = await this.guard(name, origin, opts.reloaded ?? false, async () => {
      if (!isPipelineName(name)) {
        return failed(name, origin, `"${name}" is not a valid pipeline name: ${PIPELINE_NAME_RULE}`)
      }
      const baseDir = this.workspaceFor(name)
      await mkdir(baseDir, { recursive: true, mode: 0o700 })
      return loadPipelineText(
        text,
        { id: name, path: originLabel(origin), format, baseDir },
        { secrets: this.opts.secrets, checked: opts.checked }
      )
    })
    if (loaded.ok) this.texts.set(name, { text, format })
    return loaded
  }

  /**
   * Compiles a library pipeline's text (a stored version, for an evaluation) without serving
   * it: the result has id `id` and runs in the pipeline's workspace. Throws an AppError naming
   * the first problem when the text does not load.
   */
  async compileDetached(
    name: string,
    id: string,
    text: string,
    format: SourceFormat
  ): Promise<CompiledPipeline> {
    const baseDir = this.workspaceFor(name)
    await mkdir(baseDir, { recursive: true })
    const loaded = await loadPipelineText(
      text,
      { id, path: `library:${id}`, format, baseDir },
      { secrets: this.opts.secrets }
    )
    if (!loaded.ok || !loaded.composition) {
      throw new AppError(
        'invalid_request',
        `${id} does not load: ${describeErrors(loaded)[0] ?? 'invalid'}`
      )
    }
    return compilePipeline(id, loaded.composition, {
      baseDir: loaded.baseDir,
      secrets: loaded.secrets,
      redact: loaded.redact,
      env: this.opts.secrets.env
    })
  }

  /** Stops serving a pipeline; emits `pipeline.removed` and releases what it used. */
  async remove(id: string): Promise<boolean> {
    const pipeline = this.opts.registry.get(id)
    const origin = this.origins.get(id)
    if (!pipeline || !origin) return false
    this.opts.registry.remove(id)
    this.origins.delete(id)
    this.texts.delete(id)
    this.opts.events.emit('pipeline.removed', { id, path: originLabel(origin) })
    await this.opts.onRemoved?.(pipeline)
    return true
  }

  /** Recompiles every served pipeline `which` selects (a store secret they use changed). */
  async recompile(which: (p: CompiledPipeline) => boolean): Promise<LoadedComposition[]> {
    const out: LoadedComposition[] = []
    for (const p of this.opts.registry.list().filter(which)) {
      const origin = this.origins.get(p.id)
      if (origin?.kind === 'file') out.push(await this.loadFile(origin.path, true))
      const source = this.texts.get(p.id)
      if (origin?.kind === 'library' && source) {
        const opts = { version: origin.version, reloaded: true }
        out.push(await this.loadText(origin.name, source.text, source.format, opts))
      }
    }
    return out
  }

  /**
   * Watches each file's folder (editors replace files, which a watch on the file would lose).
   * A Kubernetes ConfigMap volume changes none of its file names: kubelet writes a new
   * `..<timestamp>` folder and swaps the `..data` symlink the files point through, so a change
   * of `..data` reloads every watched file of that folder.
   */
  watch(files: readonly string[], debounceMs = 150): void {
    const dirs = new Map<string, Set<string>>()
    for (const f of files) {
      const dir = dirname(f)
      dirs.set(dir, (dirs.get(dir) ?? new Set()).add(f))
    }
    for (const [dir, wanted] of dirs) {
      const w = watch(dir, (_type, name) => {
        if (!name) return
        const changed = name.toString()
        if (changed === '..data') {
          for (const file of wanted) this.reloadSoon(file, debounceMs)
          return
        }
        const file = join(dir, changed)
        if (wanted.has(file)) this.reloadSoon(file, debounceMs)
      })
      w.on('error', () => undefined)
      this.watchers.push(w)
    }
  }

  private reloadSoon(file: string, debounceMs: number): void {
    clearTimeout(this.timers.get(file))
    this.timers.set(
      file,
      setTimeout(() => {
        this.timers.delete(file)
        void this.loadFile(file, true)
      }, debounceMs)
    )
  }

  close(): void {
    for (const w of this.watchers) w.close()
    for (const t of this.timers.values()) clearTimeout(t)
    this.watchers.length = 0
    this.timers.clear()
  }

  /**
   * Loads through `load` and installs the result. Nothing thrown on the way (a hostile file, a
   * failing secret source, a bug) escapes: it becomes a diagnostic and the old pipeline serves on.
   */
  private async guard(
    id: string,
    origin: PipelineOrigin,
    reloaded: boolean,
    load: () => Promise<LoadedComposition>
  ): Promise<LoadedComposition> {
    let loaded: LoadedComposition
    try {
      loaded = await load()
      if (loaded.ok && loaded.composition) this.install(loaded, origin, reloaded)
    } catch (err) {
      loaded = failed(
        id,
        origin,
        `the pipeline cannot be loaded: ${err instanceof Error ? err.message : String(err)}`
      )
    }
    if (!loaded.ok && reloaded) {
      this.opts.events.emit('pipeline.reload_failed', {
        id,
        path: originLabel(origin),
        errors: describeErrors(loaded)
      })
    }
    return loaded
  }

  private install(loaded: LoadedComposition, origin: PipelineOrigin, reloaded: boolean): void {
    const composition = loaded.composition
    if (!composition) return
    const held = this.origins.get(loaded.id)
    if (held && !sameOrigin(held, origin)) {
      loaded.ok = false
      loaded.diagnostics.push({
        severity: 'error',
        code: 'duplicate-pipeline',
        message: `pipeline id "${loaded.id}" is already served from ${originLabel(held)}`,
        path: [],
        line: 1,
        column: 1
      })
      return
    }
    const compiled = compilePipeline(loaded.id, composition, {
      path: origin.kind === 'file' ? origin.path : undefined,
      baseDir: loaded.baseDir,
      secrets: loaded.secrets,
      redact: loaded.redact,
      env: this.opts.secrets.env
    })
    this.opts.registry.set(compiled)
    this.origins.set(loaded.id, origin)
    this.opts.events.emit('pipeline.loaded', {
      id: loaded.id,
      path: originLabel(origin),
      reloaded
    })
  }
}

function failed(id: string, origin: PipelineOrigin, message: string): LoadedComposition {
  return {
    id,
    path: originLabel(origin),
    baseDir: '',
    ok: false,
    diagnostics: [{ severity: 'error', code: 'load-failed', message, path: [], line: 1, column: 1 }]
  }
}
