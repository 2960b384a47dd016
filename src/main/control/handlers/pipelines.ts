/**
 * @module Pipeline routes: the SQLite library (every save a version; restore and diff), the
 * watched files served beside it, the default pipeline setting, and validation for the editor.
 */
import { readFile } from 'node:fs/promises'
import type { z } from 'zod'
import type { PipelineSummarySchema } from '../../../shared/contract/pipelines'
import { formatForFile } from '../../../shared/config/source'
import { validateText } from '../../../shared/config/validate'
import { formatUnifiedDiff } from '../../../shared/text-diff'
import { AppError } from '../../core/errors'
import type { LibrarySource } from '../../core/pipelines/library-source'
import type { PipelineRegistry } from '../../core/pipelines/registry'
import type { PipelineService } from '../../core/pipelines/service'
import type { PipelineRepository } from '../../core/storage/pipeline-repository'
import { ControlFailure } from '../dispatch'
import { bundledExamplesDir, readExamples } from './examples'
import type { DomainHandlers } from './types'

type Summary = z.infer<typeof PipelineSummarySchema>

export interface PipelinesDeps {
  registry: PipelineRegistry
  service: PipelineService
  library: PipelineRepository
  source: LibrarySource
  /** Persists the default pipeline setting (null: none chosen). */
  setDefault(name: string | null): void
  /** The gallery's folder (default: the package's `examples/`). */
  examplesDir?: string
}

export function pipelinesHandlers(deps: PipelinesDeps): DomainHandlers<'pipelines'> {
  const { registry, service, library, source } = deps

  const summary = (name: string): Summary => {
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
    const origin = service.origin(name)
    if (origin?.kind !== 'file') throw new AppError('not_found', `no pipeline named "${name}"`)
    return {
      name,
      source: 'file',
      path: origin.path,
      enabled: true,
      isDefault,
      status: 'loaded',
      error: null,
      version: null,
      updatedAt: null
    }
  }

  const fileNames = (): string[] =>
    registry
      .list()
      .filter((p) => service.origin(p.id)?.kind === 'file')
      .map((p) => p.id)

  return {
    async 'pipelines.list'() {
      const names = [...library.list().map((p) => p.name), ...fileNames()]
      return { pipelines: names.map(summary) }
    },
    async 'pipelines.get'(input) {
      const stored = library.get(input.name)
      if (stored) return { ...summary(input.name), text: stored.text, format: stored.format }
      const origin = service.origin(input.name)
      if (origin?.kind !== 'file')
        throw new AppError('not_found', `no pipeline named "${input.name}"`)
      const text = await readFile(origin.path, 'utf8')
      return { ...summary(input.name), text, format: formatForFile(origin.path) }
    },
    async 'pipelines.save'(input) {
      if (service.origin(input.name)?.kind === 'file') {
        throw new AppError(
          'conflict',
          `"${input.name}" is served from a file; edit that file, or save under another name`
        )
      }
      const checked = validateText(input.text, { format: input.format })
      if (!checked.ok) {
        const first = checked.diagnostics.find((d) => d.severity === 'error')
        throw new ControlFailure(
          'invalid_request',
          `the pipeline is invalid${first ? ` (${first.line}:${first.column}: ${first.message})` : ''}; nothing was saved`,
          { diagnostics: checked.diagnostics }
        )
      }
      const saved = library.get(input.name)
        ? library.save({ ...input, note: input.message })
        : library.create({ ...input, note: input.message })
      const status = await source.sync(input.name)
      return {
        name: saved.name,
        version: saved.version,
        diagnostics: status.loaded?.diagnostics ?? checked.diagnostics
      }
    },
    async 'pipelines.remove'(input) {
      if (library.remove(input.name)) {
        await source.sync(input.name)
        return { removed: true }
      }
      if (service.origin(input.name)?.kind === 'file') {
        throw new AppError(
          'conflict',
          `"${input.name}" is served from a file given on the command line; stop serving that file instead`
        )
      }
      return { removed: false }
    },
    async 'pipelines.set_default'(input) {
      if (!library.get(input.name) && !registry.get(input.name))
        throw new AppError('not_found', `no pipeline named "${input.name}"`)
      deps.setDefault(input.name)
      return { defaultPipeline: input.name }
    },
    async 'pipelines.set_enabled'(input) {
      library.setEnabled(input.name, input.enabled)
      await source.sync(input.name)
      return summary(input.name)
    },
    async 'pipelines.versions'(input) {
      return {
        versions: library.versions(input.name).map((v) => ({
          version: v.version,
          createdAt: v.createdAt,
          message: v.note ?? null,
          sizeBytes: Buffer.byteLength(library.getVersion(input.name, v.version).text)
        }))
      }
    },
    async 'pipelines.get_version'(input) {
      const v = library.getVersion(input.name, input.version)
      return {
        name: v.name,
        version: v.version,
        createdAt: v.createdAt,
        message: v.note ?? null,
        sizeBytes: Buffer.byteLength(v.text),
        text: v.text,
        format: v.format
      }
    },
    async 'pipelines.restore'(input) {
      const restored = library.restore(input.name, input.version)
      await source.sync(input.name)
      return { name: restored.name, version: restored.version }
    },
    async 'pipelines.diff'(input) {
      const to = input.to ?? library.get(input.name)?.version
      if (to === undefined) throw new AppError('not_found', `no pipeline named "${input.name}"`)
      const diff = library.diff(input.name, input.from, to)
      const patch = formatUnifiedDiff(diff, {
        from: `${input.name} v${input.from}`,
        to: `${input.name} v${to}`
      })
      return { from: input.from, to, patch }
    },
    async 'pipelines.examples'() {
      return { examples: await readExamples(deps.examplesDir ?? bundledExamplesDir()) }
    },
    async 'pipelines.validate'(input) {
      const checked = validateText(input.text, { format: input.format })
      return { ok: checked.ok, diagnostics: checked.diagnostics }
    }
  }
}
