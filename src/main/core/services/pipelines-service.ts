/**
 * @module The pipelines the control routes show and edit: the SQLite library (every save a
 * version; restore and diff), the watched files served beside it, the default pipeline, and
 * validation for the editor. A save parses and validates its text once and reads the library
 * once; the load that serves it reuses both.
 */
import { readFile } from 'node:fs/promises'
import type { InputOf, OutputOf } from '../../../shared/contract/routes'
import { formatForFile } from '../../../shared/config/source'
import { validateText } from '../../../shared/config/validate'
import { formatUnifiedDiff } from '../../../shared/text-diff'
import { checkText } from '../config/load-composition'
import { AppError, ControlFailure } from '../errors'
import { bundledExamplesDir, readExamples } from '../pipelines/examples'
import type { LibrarySource } from '../pipelines/library-source'
import type { PipelineRegistry } from '../pipelines/registry'
import type { PipelineService } from '../pipelines/service'
import type { PipelineRepository } from '../storage/pipeline-repository'

type Summary = OutputOf<'pipelines.set_enabled'>

export interface PipelinesServiceDeps {
  registry: PipelineRegistry
  service: PipelineService
  library: PipelineRepository
  source: LibrarySource
  /** Persists the default pipeline setting (null: none chosen). */
  setDefault(name: string | null): void
  /** The gallery's folder (default: the package's `examples/`). */
  examplesDir?: string
}

export class PipelinesService {
  constructor(private readonly deps: PipelinesServiceDeps) {}

  /** Library pipelines by name, then the files served beside them. */
  list(): OutputOf<'pipelines.list'> {
    const { library, registry, service } = this.deps
    const files = registry.list().filter((p) => service.origin(p.id)?.kind === 'file')
    const names = [...library.list().map((p) => p.name), ...files.map((p) => p.id)]
    return { pipelines: names.map((n) => this.summary(n)) }
  }

  async get(name: string): Promise<OutputOf<'pipelines.get'>> {
    const stored = this.deps.library.get(name)
    if (stored) return { ...this.summary(name), text: stored.text, format: stored.format }
    const path = this.filePath(name)
    if (path === undefined) throw new AppError('not_found', `no pipeline named "${name}"`)
    const text = await readFile(path, 'utf8')
    return { ...this.summary(name), text, format: formatForFile(path) }
  }

  /**
   * Saves the text as the pipeline's next version (its first when new) and serves it. Refused
   * with every diagnostic, nothing stored, when the text is invalid.
   */
  async save(input: InputOf<'pipelines.save'>): Promise<OutputOf<'pipelines.save'>> {
    if (this.filePath(input.name) !== undefined) {
      throw new AppError(
        'conflict',
        `"${input.name}" is served from a file; edit that file, or save under another name`
      )
    }
    const checked = checkText(input.text, input.format)
    if (!checked.result.ok) {
      const { diagnostics } = checked.result
      const first = diagnostics.find((d) => d.severity === 'error')
      throw new ControlFailure(
        'invalid_request',
        `the pipeline is invalid${first ? ` (${first.line}:${first.column}: ${first.message})` : ''}; nothing was saved`,
        { diagnostics }
      )
    }
    const { name, text, format, message } = input
    const saved = this.deps.library.save({ name, text, format, note: message })
    const status = await this.deps.source.sync(name, { stored: saved, checked })
    return {
      name: saved.name,
      version: saved.version,
      diagnostics: status.loaded?.diagnostics ?? checked.result.diagnostics
    }
  }

  async remove(name: string): Promise<OutputOf<'pipelines.remove'>> {
    if (this.deps.library.remove(name)) {
      await this.deps.source.sync(name)
      return { removed: true }
    }
    if (this.filePath(name) !== undefined) {
      throw new AppError(
        'conflict',
        `"${name}" is served from a file given on the command line; stop serving that file instead`
      )
    }
    return { removed: false }
  }

  setDefault(name: string): OutputOf<'pipelines.set_default'> {
    if (!this.deps.library.get(name) && !this.deps.registry.get(name))
      throw new AppError('not_found', `no pipeline named "${name}"`)
    this.deps.setDefault(name)
    return { defaultPipeline: name }
  }

  async setEnabled(name: string, enabled: boolean): Promise<Summary> {
    this.deps.library.setEnabled(name, enabled)
    await this.deps.source.sync(name)
    return this.summary(name)
  }

  /** Every version with its size, as the store measures it (no text is read). */
  versions(name: string): OutputOf<'pipelines.versions'> {
    return {
      versions: this.deps.library.versions(name).map((v) => ({
        version: v.version,
        createdAt: v.createdAt,
        message: v.note ?? null,
        sizeBytes: v.sizeBytes
      }))
    }
  }

  getVersion(name: string, version: number): OutputOf<'pipelines.get_version'> {
    const v = this.deps.library.getVersion(name, version)
    return {
      name: v.name,
      version: v.version,
      createdAt: v.createdAt,
      message: v.note ?? null,
      sizeBytes: Buffer.byteLength(v.text),
      text: v.text,
      format: v.format
    }
  }

  async restore(name: string, version: number): Promise<OutputOf<'pipelines.restore'>> {
    const restored = this.deps.library.restore(name, version)
    await this.deps.source.sync(name, { stored: restored })
    return { name: restored.name, version: restored.version }
  }

  /** A unified diff from version `from` to `to` (default: the current version). */
  diff(name: string, from: number, to?: number): OutputOf<'pipelines.diff'> {
    const last = to ?? this.deps.library.get(name)?.version
    if (last === undefined) throw new AppError('not_found', `no pipeline named "${name}"`)
    const diff = this.deps.library.diff(name, from, last)
    const patch = formatUnifiedDiff(diff, { from: `${name} v${from}`, to: `${name} v${last}` })
    return { from, to: last, patch }
  }

  async examples(): Promise<OutputOf<'pipelines.examples'>> {
    return { examples: await readExamples(this.deps.examplesDir ?? bundledExamplesDir()) }
  }

  validate(input: InputOf<'pipelines.validate'>): OutputOf<'pipelines.validate'> {
    const checked = validateText(input.text, { format: input.format })
    return { ok: checked.ok, diagnostics: checked.diagnostics }
  }

  /** The served file behind `name`, if a file (not the library) serves it. */
  private filePath(name: string): string | undefined {
    const origin = this.deps.service.origin(name)
    return origin?.kind === 'file' ? origin.path : undefined
  }

  private summary(name: string): Summary {
    const { library, registry, source } = this.deps
    const stored = library.get(name)
    const isDefault = registry.default()?.id === name
    if (stored) {
      const s = source.statusOf(name)
      return {
        name,
        source: 'library',
        path: null,
        enabled: stored.enabled,
        isDefault,
        status: !stored.enabled ? 'disabled' : s.state === 'loaded' ? 'loaded' : 'error',
        error: s.state === 'error' ? (s.error ?? null) : null,
        version: stored.version,
        updatedAt: stored.updatedAt
      }
    }
    const path = this.filePath(name)
    if (path === undefined) throw new AppError('not_found', `no pipeline named "${name}"`)
    return {
      name,
      source: 'file',
      path,
      enabled: true,
      isDefault,
      status: 'loaded',
      error: null,
      version: null,
      updatedAt: null
    }
  }
}
