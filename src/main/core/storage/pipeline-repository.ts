/**
 * @module The pipeline library: named pipeline texts with their full version history. Every save
 * is a new version; restore writes an old version's text as a new one. Names are unique and a
 * create never replaces an existing pipeline.
 */
import { diffLines, type TextDiff } from '../../../shared/text-diff'
import { PIPELINE_NAME_RULE, isPipelineName } from '../../../shared/pipeline-name'
import type { SqliteDatabase } from './database'
import { StorageError } from './errors'

export type PipelineFormat = 'json' | 'yaml'

/** A library pipeline with its current text. */
export interface LibraryPipeline {
  id: number
  name: string
  enabled: boolean
  /** The current (latest) version number, from 1. */
  version: number
  format: PipelineFormat
  text: string
  createdAt: number
  updatedAt: number
}

/** One saved version, without its text. */
export interface PipelineVersionInfo {
  version: number
  format: PipelineFormat
  note?: string
  createdAt: number
}

/** One saved version with its size in bytes (UTF-8), measured by SQLite: the text stays there. */
export interface PipelineVersionSize extends PipelineVersionInfo {
  sizeBytes: number
}

/** One saved version with its text. */
export interface PipelineVersion extends PipelineVersionInfo {
  name: string
  text: string
}

/** What {@link PipelineRepository.save} and {@link PipelineRepository.create} store. */
export interface SavePipelineInput {
  name: string
  text: string
  format: PipelineFormat
  note?: string
  /** Refuse the save (VERSION_CONFLICT) unless the current version is this one. */
  expectedVersion?: number
}

/** A change to the library, for the pipeline source that recompiles and serves it. */
export type LibraryChange =
  | { kind: 'saved'; name: string; version: number }
  | { kind: 'enabled'; name: string; enabled: boolean }
  | { kind: 'removed'; name: string }

interface PipelineRow {
  id: number
  name: string
  enabled: number
  current_version: number
  created_at: number
  updated_at: number
  format: PipelineFormat
  text: string
}

interface VersionRow {
  version: number
  format: PipelineFormat
  note: string | null
  created_at: number
  text?: string
  size?: number
}

/** What a save needs to know of the pipeline it adds a version to (its text is not read). */
interface HeadRow {
  id: number
  enabled: number
  current_version: number
  created_at: number
}

/** The library over an open database (see `openDatabase`). */
export class PipelineRepository {
  private readonly listeners = new Set<(change: LibraryChange) => void>()

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now
  ) {}

  /** Calls `listener` after each committed change; returns the unsubscribe function. */
  onChange(listener: (change: LibraryChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Adds a new pipeline as version 1; NAME_TAKEN if the name exists. */
  create(input: SavePipelineInput): LibraryPipeline {
    checkName(input.name)
    const saved = this.db.transaction(() => {
      if (this.head(input.name)) {
        throw new StorageError('NAME_TAKEN', `a pipeline named "${input.name}" already exists`)
      }
      return this.insertNew(input)
    })()
    this.emit({ kind: 'saved', name: saved.name, version: saved.version })
    return saved
  }

  /** Saves `text` as the next version of `name`, creating the pipeline (version 1) if needed. */
  save(input: SavePipelineInput): LibraryPipeline {
    checkName(input.name)
    const saved = this.db.transaction((): LibraryPipeline => {
      const row = this.head(input.name)
      if (!row) {
        if (input.expectedVersion !== undefined && input.expectedVersion !== 0) {
          throw new StorageError('NOT_FOUND', `no pipeline named "${input.name}"`)
        }
        return this.insertNew(input)
      }
      if (input.expectedVersion !== undefined && input.expectedVersion !== row.current_version) {
        throw new StorageError(
          'VERSION_CONFLICT',
          `pipeline "${input.name}" is at version ${row.current_version}, not ${input.expectedVersion}: ` +
            'it was saved elsewhere meanwhile'
        )
      }
      const version = row.current_version + 1
      const at = this.now()
      this.insertVersion(row.id, version, input, at)
      this.db
        .prepare('UPDATE pipelines SET current_version = ?, updated_at = ? WHERE id = ?')
        .run(version, at, row.id)
      return stored(input, { ...row, current_version: version }, at)
    })()
    this.emit({ kind: 'saved', name: saved.name, version: saved.version })
    return saved
  }

  /** Every pipeline with its current version, by name. */
  list(): LibraryPipeline[] {
    const rows = this.db.prepare(`${SELECT_PIPELINE} ORDER BY p.name`).all() as PipelineRow[]
    return rows.map(toPipeline)
  }

  /** The pipeline and its current text, or undefined. */
  get(name: string): LibraryPipeline | undefined {
    const row = this.row(name)
    return row ? toPipeline(row) : undefined
  }

  /**
   * Every version of `name`, oldest first, each with its size in bytes (NOT_FOUND if there is no
   * such pipeline). One query; SQLite measures the texts without handing them over.
   */
  versions(name: string): PipelineVersionSize[] {
    const rows = this.db
      .prepare(
        'SELECT v.version, v.format, v.note, v.created_at, octet_length(v.text) AS size ' +
          'FROM pipeline_versions v JOIN pipelines p ON p.id = v.pipeline_id ' +
          'WHERE p.name = ? ORDER BY v.version'
      )
      .all(name) as VersionRow[]
    // Every pipeline has its version 1, so no rows means no pipeline.
    if (rows.length === 0) throw new StorageError('NOT_FOUND', `no pipeline named "${name}"`)
    return rows.map((r) => ({ ...toVersionInfo(r), sizeBytes: r.size ?? 0 }))
  }

  /** Version `n` of `name` with its text (NOT_FOUND if either is missing). */
  getVersion(name: string, n: number): PipelineVersion {
    const id = this.mustRow(name).id
    const row = this.db
      .prepare(
        'SELECT version, format, note, created_at, text FROM pipeline_versions WHERE pipeline_id = ? AND version = ?'
      )
      .get(id, n) as VersionRow | undefined
    if (!row) throw new StorageError('NOT_FOUND', `pipeline "${name}" has no version ${n}`)
    return { ...toVersionInfo(row), name, text: row.text ?? '' }
  }

  /** Saves version `n`'s text as a new version; the history is kept. */
  restore(name: string, n: number, opts: { expectedVersion?: number } = {}): LibraryPipeline {
    const old = this.getVersion(name, n)
    return this.save({
      name,
      text: old.text,
      format: old.format,
      note: `restored from version ${n}`,
      expectedVersion: opts.expectedVersion
    })
  }

  /** A line diff from version `a` to version `b` of `name`. */
  diff(name: string, a: number, b: number): TextDiff {
    return diffLines(this.getVersion(name, a).text, this.getVersion(name, b).text)
  }

  /** Turns serving of `name` on or off (NOT_FOUND if missing). */
  setEnabled(name: string, enabled: boolean): void {
    const res = this.db
      .prepare('UPDATE pipelines SET enabled = ?, updated_at = ? WHERE name = ?')
      .run(enabled ? 1 : 0, this.now(), name)
    if (res.changes === 0) throw new StorageError('NOT_FOUND', `no pipeline named "${name}"`)
    this.emit({ kind: 'enabled', name, enabled })
  }

  /** Deletes `name` and all its versions; false if there was none. */
  remove(name: string): boolean {
    const res = this.db.prepare('DELETE FROM pipelines WHERE name = ?').run(name)
    if (res.changes === 0) return false
    this.emit({ kind: 'removed', name })
    return true
  }

  private insertNew(input: SavePipelineInput): LibraryPipeline {
    const at = this.now()
    const { lastInsertRowid } = this.db
      .prepare(
        'INSERT INTO pipelines (name, enabled, current_version, created_at, updated_at) VALUES (?, 1, 1, ?, ?)'
      )
      .run(input.name, at, at)
    const id = Number(lastInsertRowid)
    this.insertVersion(id, 1, input, at)
    return stored(input, { id, enabled: 1, current_version: 1, created_at: at }, at)
  }

  private insertVersion(id: number, version: number, input: SavePipelineInput, at: number): void {
    if (input.format !== 'json' && input.format !== 'yaml') {
      throw new StorageError(
        'INVALID_INPUT',
        `format must be json or yaml, not "${String(input.format)}"`
      )
    }
    this.db
      .prepare(
        'INSERT INTO pipeline_versions (pipeline_id, version, format, text, note, created_at) VALUES (?, ?, ?, ?, ?, ?)'
      )
      .run(id, version, input.format, input.text, input.note ?? null, at)
  }

  private head(name: string): HeadRow | undefined {
    return this.db
      .prepare('SELECT id, enabled, current_version, created_at FROM pipelines WHERE name = ?')
      .get(name) as HeadRow | undefined
  }

  private row(name: string): PipelineRow | undefined {
    return this.db.prepare(`${SELECT_PIPELINE} WHERE p.name = ?`).get(name) as
      PipelineRow | undefined
  }

  private mustRow(name: string): PipelineRow {
    const row = this.row(name)
    if (!row) throw new StorageError('NOT_FOUND', `no pipeline named "${name}"`)
    return row
  }

  private emit(change: LibraryChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change)
      } catch {
        // A failing subscriber must not undo or hide a committed save.
      }
    }
  }
}

const SELECT_PIPELINE =
  'SELECT p.id, p.name, p.enabled, p.current_version, p.created_at, p.updated_at, v.format, v.text ' +
  'FROM pipelines p JOIN pipeline_versions v ON v.pipeline_id = p.id AND v.version = p.current_version'

function checkName(name: string): void {
  if (!isPipelineName(name)) {
    throw new StorageError(
      'INVALID_INPUT',
      `pipeline name "${name}" is not allowed: ${PIPELINE_NAME_RULE}`
    )
  }
}

function toPipeline(row: PipelineRow): LibraryPipeline {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled === 1,
    version: row.current_version,
    format: row.format,
    text: row.text,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }
}

/** What a save stored, without reading it back. */
function stored(input: SavePipelineInput, row: HeadRow, at: number): LibraryPipeline {
  return toPipeline({
    ...row,
    name: input.name,
    updated_at: at,
    format: input.format,
    text: input.text
  })
}

function toVersionInfo(row: VersionRow): PipelineVersionInfo {
  const info: PipelineVersionInfo = {
    version: row.version,
    format: row.format,
    createdAt: row.created_at
  }
  if (row.note !== null) info.note = row.note
  return info
}
