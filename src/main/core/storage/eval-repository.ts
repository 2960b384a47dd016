/**
 * @module Stored evaluation sets (JSONL text) and runs with their reports.
 */
import type { EvalReport } from '../../../shared/eval/score'
import type { SqliteDatabase } from './database'

export interface EvalTargetRef {
  pipeline: string
  version?: number
}

export interface StoredEvalSet {
  name: string
  text: string
  cases: number
  updatedAt: number
}

export type EvalRunStatus = 'running' | 'done' | 'failed' | 'cancelled'

export interface StoredEvalRun {
  id: string
  set: string
  target: EvalTargetRef
  against: EvalTargetRef | null
  startedAt: number
  durationMs: number | null
  status: EvalRunStatus
  error: string | null
  total: number
  passed: number | null
  accuracy: number | null
  againstAccuracy: number | null
  report: EvalReport | null
  againstReport: EvalReport | null
}

interface RunRow {
  id: string
  set_name: string
  target: string
  against: string | null
  started_at: number
  duration_ms: number | null
  status: EvalRunStatus
  error: string | null
  total: number
  passed: number | null
  accuracy: number | null
  against_accuracy: number | null
  report?: string | null
  against_report?: string | null
}

const SUMMARY_COLUMNS =
  'id, set_name, target, against, started_at, duration_ms, status, error, total, passed, accuracy, against_accuracy'

function fromRow(r: RunRow): StoredEvalRun {
  return {
    id: r.id,
    set: r.set_name,
    target: JSON.parse(r.target) as EvalTargetRef,
    against: r.against ? (JSON.parse(r.against) as EvalTargetRef) : null,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    status: r.status,
    error: r.error,
    total: r.total,
    passed: r.passed,
    accuracy: r.accuracy,
    againstAccuracy: r.against_accuracy,
    report: r.report ? (JSON.parse(r.report) as EvalReport) : null,
    againstReport: r.against_report ? (JSON.parse(r.against_report) as EvalReport) : null
  }
}

export class EvalRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now
  ) {}

  listSets(): (StoredEvalSet & { lastRun: StoredEvalRun | null })[] {
    const sets = this.db
      .prepare('SELECT name, text, cases, updated_at FROM eval_sets ORDER BY name')
      .all() as { name: string; text: string; cases: number; updated_at: number }[]
    const last = this.db.prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM eval_runs WHERE set_name = ? ORDER BY started_at DESC, rowid DESC LIMIT 1`
    )
    return sets.map((s) => {
      const run = last.get(s.name) as RunRow | undefined
      return {
        name: s.name,
        text: s.text,
        cases: s.cases,
        updatedAt: s.updated_at,
        lastRun: run ? fromRow(run) : null
      }
    })
  }

  getSet(name: string): StoredEvalSet | undefined {
    const row = this.db
      .prepare('SELECT name, text, cases, updated_at FROM eval_sets WHERE name = ?')
      .get(name) as { name: string; text: string; cases: number; updated_at: number } | undefined
    return row && { name: row.name, text: row.text, cases: row.cases, updatedAt: row.updated_at }
  }

  saveSet(name: string, text: string, cases: number): StoredEvalSet {
    const now = this.now()
    this.db
      .prepare(
        `INSERT INTO eval_sets (name, text, cases, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET text = excluded.text, cases = excluded.cases, updated_at = excluded.updated_at`
      )
      .run(name, text, cases, now, now)
    return { name, text, cases, updatedAt: now }
  }

  /** Deletes a set and its runs. */
  deleteSet(name: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM eval_runs WHERE set_name = ?').run(name)
      return this.db.prepare('DELETE FROM eval_sets WHERE name = ?').run(name).changes > 0
    })()
  }

  startRun(run: Pick<StoredEvalRun, 'id' | 'set' | 'target' | 'against' | 'total'>): StoredEvalRun {
    const startedAt = this.now()
    this.db
      .prepare(
        `INSERT INTO eval_runs (id, set_name, target, against, started_at, status, total)
         VALUES (?, ?, ?, ?, ?, 'running', ?)`
      )
      .run(
        run.id,
        run.set,
        JSON.stringify(run.target),
        run.against ? JSON.stringify(run.against) : null,
        startedAt,
        run.total
      )
    return this.getRun(run.id) as StoredEvalRun
  }

  finishRun(
    id: string,
    end: {
      status: Exclude<EvalRunStatus, 'running'>
      error?: string
      report?: EvalReport
      againstReport?: EvalReport
    }
  ): StoredEvalRun | undefined {
    const started = this.getRun(id)
    if (!started) return undefined
    this.db
      .prepare(
        `UPDATE eval_runs SET status = ?, error = ?, duration_ms = ?, passed = ?, accuracy = ?,
         against_accuracy = ?, report = ?, against_report = ? WHERE id = ?`
      )
      .run(
        end.status,
        end.error ?? null,
        this.now() - started.startedAt,
        end.report?.passed ?? null,
        end.report?.routing.accuracy ?? null,
        end.againstReport?.routing.accuracy ?? null,
        end.report ? JSON.stringify(end.report) : null,
        end.againstReport ? JSON.stringify(end.againstReport) : null,
        id
      )
    return this.getRun(id)
  }

  /** Runs newest first, without their reports. */
  listRuns(set: string | undefined, limit: number): StoredEvalRun[] {
    const rows = (
      set === undefined
        ? this.db
            .prepare(
              `SELECT ${SUMMARY_COLUMNS} FROM eval_runs ORDER BY started_at DESC, rowid DESC LIMIT ?`
            )
            .all(limit)
        : this.db
            .prepare(
              `SELECT ${SUMMARY_COLUMNS} FROM eval_runs WHERE set_name = ? ORDER BY started_at DESC, rowid DESC LIMIT ?`
            )
            .all(set, limit)
    ) as RunRow[]
    return rows.map(fromRow)
  }

  getRun(id: string): StoredEvalRun | undefined {
    const row = this.db.prepare('SELECT * FROM eval_runs WHERE id = ?').get(id) as
      RunRow | undefined
    return row ? fromRow(row) : undefined
  }

  /** Runs left `running` by a process that stopped: marked failed when the store opens. */
  failInterrupted(): number {
    return this.db
      .prepare(
        `UPDATE eval_runs SET status = 'failed', error = 'the app stopped during the run' WHERE status = 'running'`
      )
      .run().changes
  }
}
