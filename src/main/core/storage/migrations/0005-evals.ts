/**
 * Evaluation sets (their JSONL text) and runs with their reports, so the history shows whether an
 * edit made routing better or worse. A run's report is JSON; the columns are what lists show.
 * Applied migrations are hashed: never edit this text once released; add a new one instead.
 */
export const sql = `
CREATE TABLE eval_sets (
  name TEXT PRIMARY KEY,
  text TEXT NOT NULL,
  cases INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE eval_runs (
  id TEXT PRIMARY KEY,
  set_name TEXT NOT NULL,
  target TEXT NOT NULL,
  against TEXT,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
  error TEXT,
  total INTEGER NOT NULL,
  passed INTEGER,
  accuracy REAL,
  against_accuracy REAL,
  report TEXT,
  against_report TEXT
);
CREATE INDEX eval_runs_set ON eval_runs (set_name, started_at);
`
