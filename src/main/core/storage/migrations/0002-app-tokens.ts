/**
 * Schema 2: per-app access tokens. Only each token's sha256 is kept; a name is unique among the
 * tokens not revoked, so a revoked app's name can be given to a new token.
 * Applied migrations are hashed: never edit this text once released; add 0003-… instead.
 */
export const sql = `
CREATE TABLE app_tokens (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  hint TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('created', 'approved')),
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE UNIQUE INDEX app_tokens_active_name ON app_tokens (name) WHERE revoked_at IS NULL;
`
