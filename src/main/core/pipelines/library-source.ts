/**
 * @module The SQLite library as a pipeline source: every enabled library pipeline is compiled and
 * served by the {@link PipelineService}; a save, restore, enable, disable or removal is synced
 * explicitly by whoever made it (the control handlers), so nothing is loaded twice.
 */
import type { SourceFormat } from '../../../shared/config/source'
import type { CheckedText, LoadedComposition } from '../config/load-composition'
import type { PipelineService } from './service'

/** A library pipeline as this source reads it. */
export interface LibraryEntry {
  name: string
  enabled: boolean
  version: number
  format: SourceFormat
  text: string
}

/** What this source needs from the library repository. */
export interface LibraryReader {
  list(): LibraryEntry[]
  get(name: string): LibraryEntry | undefined
}

/** Why a library pipeline is not being served, if it is not. */
export interface LibraryStatus {
  state: 'loaded' | 'error' | 'disabled' | 'absent'
  error?: string
  /** The last load's diagnostics (warnings too). */
  loaded?: LoadedComposition
}

export class LibrarySource {
  private readonly status = new Map<string, LibraryStatus>()

  constructor(
    private readonly library: LibraryReader,
    private readonly service: PipelineService
  ) {}

  /** Loads every enabled library pipeline (at start), each from the one list read. */
  async loadAll(): Promise<void> {
    for (const p of this.library.list()) await this.sync(p.name, { stored: p })
  }

  /**
   * Brings one pipeline's serving state in line with the library. `known` saves the reads a
   * caller already made: `stored` is the pipeline as just written (it is not read again), and
   * `checked` its text already validated.
   */
  async sync(
    name: string,
    known: { stored?: LibraryEntry; checked?: CheckedText } = {}
  ): Promise<LibraryStatus> {
    const stored = known.stored ?? this.library.get(name)
    let status: LibraryStatus
    if (!stored) {
      await this.service.remove(name)
      this.status.delete(name)
      return { state: 'absent' }
    }
    if (!stored.enabled) {
      await this.service.remove(name)
      status = { state: 'disabled' }
    } else {
      const loaded = await this.service.loadText(stored.name, stored.text, stored.format, {
        version: stored.version,
        reloaded: this.status.get(name)?.state === 'loaded',
        checked: known.checked
      })
      const error = loaded.diagnostics.find((d) => d.severity === 'error')
      status = loaded.ok
        ? { state: 'loaded', loaded }
        : {
            state: 'error',
            error: error ? `${error.line}:${error.column}: ${error.message}` : 'invalid',
            loaded
          }
    }
    this.status.set(name, status)
    return status
  }

  /** Re-syncs the library pipelines that failed to load (a secret they lacked may exist now). */
  async retryFailed(): Promise<void> {
    for (const [name, s] of this.status) if (s.state === 'error') await this.sync(name)
  }

  /** The library pipelines whose last load failed. */
  failedNames(): string[] {
    return [...this.status].filter(([, s]) => s.state === 'error').map(([name]) => name)
  }

  statusOf(name: string): LibraryStatus {
    return this.status.get(name) ?? { state: 'absent' }
  }
}
