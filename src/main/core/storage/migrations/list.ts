/**
 * @module The numbered migrations, in order. Each is applied once, in its own transaction, and its
 * sha256 is recorded; `PRAGMA user_version` ends at the last applied id.
 */
import { sql as init } from './0001-init'
import { sql as appTokens } from './0002-app-tokens'
import { sql as traceRoute } from './0003-trace-route'
import { sql as responses } from './0004-responses'
import { sql as evals } from './0005-evals'

/** One schema step. `id` is its number and the schema version it leads to. */
export interface Migration {
  id: number
  name: string
  sql: string
}

/** Every migration this version of llmnet knows, ids 1…n without gaps. */
export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: '0001-init', sql: init },
  { id: 2, name: '0002-app-tokens', sql: appTokens },
  { id: 3, name: '0003-trace-route', sql: traceRoute },
  { id: 4, name: '0004-responses', sql: responses },
  { id: 5, name: '0005-evals', sql: evals }
]
