/**
 * Schema 1: the pipeline library with its versions, settings, traces and the secret store.
 * Applied migrations are hashed: never edit this text once released; add 0002-… instead.
 */
export const sql = `
CREATE TABLE pipelines (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  current_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE pipeline_versions (
  id INTEGER PRIMARY KEY,
  pipeline_id INTEGER NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('json', 'yaml')),
  text TEXT NOT NULL,
  note TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (pipeline_id, version)
);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE traces (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  pipeline TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX traces_started_at ON traces (started_at);
CREATE INDEX traces_pipeline ON traces (pipeline, seq);
CREATE INDEX traces_status ON traces (status, seq);

CREATE TABLE trace_nodes (
  trace_seq INTEGER NOT NULL REFERENCES traces (seq) ON DELETE CASCADE,
  node TEXT NOT NULL,
  PRIMARY KEY (node, trace_seq)
) WITHOUT ROWID;
CREATE INDEX trace_nodes_trace ON trace_nodes (trace_seq);

CREATE TABLE secrets (
  key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  value BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
`
