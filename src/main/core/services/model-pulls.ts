/**
 * @module The downloads started in this session (`models.pull`, `models.download`): each with
 * its progress, reported as `model.pull_progress` events, and its cancel switch.
 */
import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import type { PullProgressSchema } from '../../../shared/contract/models'
import type { EmitEvent } from './emit'

export type PullProgress = z.infer<typeof PullProgressSchema>

/** One download: given the abort signal, it reports bytes done (and the total when known). */
export type PullRun = (
  signal: AbortSignal,
  report: (done: number, total?: number) => void
) => Promise<void>

export class ModelPulls {
  private readonly all = new Map<string, { progress: PullProgress; abort: AbortController }>()

  constructor(private readonly emit: EmitEvent) {}

  list(): PullProgress[] {
    return [...this.all.values()].map((p) => p.progress)
  }

  /** Starts `run` in the background and answers its pull id at once. */
  start(source: string, run: PullRun): string {
    const pullId = randomUUID()
    const abort = new AbortController()
    const entry = {
      abort,
      progress: {
        pullId,
        source,
        state: 'running',
        completedBytes: 0,
        totalBytes: null,
        error: null
      } as PullProgress
    }
    this.all.set(pullId, entry)
    const update = (patch: Partial<PullProgress>): void => {
      entry.progress = { ...entry.progress, ...patch }
      this.emit('model.pull_progress', entry.progress)
    }
    update({})
    run(abort.signal, (done, total) =>
      update({ completedBytes: done, totalBytes: total ?? null })
    ).then(
      () => update({ state: 'done' }),
      (err: unknown) =>
        update(
          abort.signal.aborted
            ? { state: 'cancelled' }
            : { state: 'failed', error: (err as Error).message }
        )
    )
    return pullId
  }

  /** Cancels a running download; false when it already ended (or never was). */
  cancel(pullId: string): boolean {
    const entry = this.all.get(pullId)
    if (!entry || entry.progress.state !== 'running') return false
    entry.abort.abort()
    return true
  }
}
