/**
 * @module Loads pipelines from files and directories into the registry, and reloads them when
 * their files change. An edit that does not validate keeps the old pipeline serving.
 */
import { type FSWatcher, watch } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import { formatPath } from '../../../shared/config/diagnostics'
import {
  type LoadedComposition,
  loadPipelineFile,
  pipelineIdFromPath,
  type SecretOptions
} from '../config/load-composition'
import { compilePipeline } from '../engine/pipeline'
import type { EventBus } from '../events'
import type { PipelineRegistry } from './registry'

const EXTENSIONS = new Set(['.json', '.jsonc', '.yaml', '.yml'])

/**
 * Files named on the command line, and the composition files directly inside named directories.
 * Paths are made absolute unless `asGiven` (then they keep the user's spelling, for messages).
 */
export async function expandSources(
  sources: readonly string[],
  opts: { asGiven?: boolean } = {}
): Promise<string[]> {
  const files: string[] = []
  for (const source of sources) {
    const path = opts.asGiven ? source : resolve(source)
    const info = await stat(path).catch(() => undefined)
    if (info?.isDirectory()) {
      const names = (await readdir(path))
        .filter((n) => EXTENSIONS.has(extname(n).toLowerCase()))
        .sort()
      files.push(...names.map((n) => join(path, n)))
    } else {
      files.push(path)
    }
  }
  return files
}

export function describeErrors(loaded: LoadedComposition): string[] {
  return loaded.diagnostics
    .filter((d) => d.severity === 'error')
    .map(
      (d) =>
        `${loaded.path}:${d.line}:${d.column}: ${d.message}${d.path.length ? ` (${formatPath(d.path)})` : ''}`
    )
}

export interface PipelineLoaderDeps {
  /** Reads, validates and resolves the secrets of one file (injectable to test failures). */
  loadFile?: typeof loadPipelineFile
}

/** A failed load that threw instead of reporting: an error at 1:1 with the thrown message. */
function thrownLoad(path: string, err: unknown): LoadedComposition {
  const message = err instanceof Error ? err.message : String(err)
  return {
    path,
    id: pipelineIdFromPath(path),
    ok: false,
    diagnostics: [
      {
        severity: 'error',
        code: 'load-failed',
        message: `the pipeline cannot be loaded: ${message}`,
        path: [],
        line: 1,
        column: 1
      }
    ]
  }
}

export class PipelineLoader {
  private readonly watchers: FSWatcher[] = []
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly loadFile: typeof loadPipelineFile

  constructor(
    private readonly registry: PipelineRegistry,
    private readonly events: EventBus,
    private readonly secrets: SecretOptions,
    deps: PipelineLoaderDeps = {}
  ) {
    this.loadFile = deps.loadFile ?? loadPipelineFile
  }

  /**
   * Loads one file; returns the validation result (the registry changes only when it is valid).
   * Never rejects: whatever goes wrong, a served pipeline keeps serving and the failure is
   * reported (a reload runs from a file watcher, where a rejection would end the process).
   */
  async load(path: string, reloaded = false): Promise<LoadedComposition> {
    let loaded: LoadedComposition
    try {
      loaded = await this.apply(path, reloaded)
    } catch (err) {
      loaded = thrownLoad(path, err)
    }
    if (!loaded.ok && reloaded) {
      this.events.emit('pipeline.reload_failed', {
        id: loaded.id,
        path,
        errors: describeErrors(loaded)
      })
    }
    return loaded
  }

  private async apply(path: string, reloaded: boolean): Promise<LoadedComposition> {
    const loaded = await this.loadFile(path, { secrets: this.secrets })
    if (loaded.ok && loaded.composition) {
      const clash = this.registry.get(loaded.id)
      if (clash && clash.path !== path) {
        const error = `pipeline id "${loaded.id}" is already served from ${clash.path}`
        loaded.ok = false
        loaded.diagnostics.push({
          severity: 'error',
          code: 'duplicate-pipeline',
          message: error,
          path: [],
          line: 1,
          column: 1
        })
        return loaded
      }
      this.registry.set(
        compilePipeline(
          loaded.id,
          loaded.composition,
          path,
          loaded.secrets,
          loaded.redact,
          this.secrets.env
        )
      )
      this.events.emit('pipeline.loaded', { id: loaded.id, path, reloaded })
    }
    return loaded
  }

  /** Watches each file's directory (editors replace files, which a file watch would lose). */
  watch(files: readonly string[], debounceMs = 150): void {
    const dirs = new Map<string, Set<string>>()
    for (const f of files) {
      const dir = resolve(f, '..')
      dirs.set(dir, (dirs.get(dir) ?? new Set()).add(resolve(f)))
    }
    for (const [dir, wanted] of dirs) {
      const w = watch(dir, (_type, name) => {
        if (!name) return
        const file = join(dir, name.toString())
        if (!wanted.has(file)) return
        clearTimeout(this.timers.get(file))
        this.timers.set(
          file,
          setTimeout(() => {
            this.timers.delete(file)
            void this.load(file, true)
          }, debounceMs)
        )
      })
      w.on('error', () => undefined)
      this.watchers.push(w)
    }
  }

  close(): void {
    for (const w of this.watchers) w.close()
    for (const t of this.timers.values()) clearTimeout(t)
    this.watchers.length = 0
    this.timers.clear()
  }
}
