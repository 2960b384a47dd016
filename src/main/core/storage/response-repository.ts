/**
 * @module Stored `/v1/responses` answers in the data folder's database (schema 4), for `serve`
 * and the app. At most {@link STORED_RESPONSES} are kept: each insert removes the oldest beyond.
 */
import type { ResponseInputItem } from '../../../shared/openai/responses'
import type { ResponseStore, StoredResponse } from '../responses/response-store'
import type { SqliteDatabase } from './database'

/** Responses kept in the database; older ones are deleted as new ones are stored. */
export const STORED_RESPONSES = 2000

interface Row {
  id: string
  created_at: number
  items: string
  response: string
}

export class SqliteResponseStore implements ResponseStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly limit = STORED_RESPONSES
  ) {}

  get(id: string): StoredResponse | undefined {
    const row = this.db.prepare('SELECT * FROM responses WHERE id = ?').get(id) as Row | undefined
    return row && toStored(row)
  }

  put(r: StoredResponse): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM responses WHERE id = ?').run(r.id)
      this.db
        .prepare('INSERT INTO responses (id, created_at, items, response) VALUES (?, ?, ?, ?)')
        .run(r.id, r.createdAt, JSON.stringify(r.items), JSON.stringify(r.response))
      const link = this.db.prepare(
        'INSERT OR REPLACE INTO response_items (item_id, response_id) VALUES (?, ?)'
      )
      for (const item of r.items)
        if (typeof item.id === 'string' && item.id) link.run(item.id, r.id)
      this.db
        .prepare(
          'DELETE FROM responses WHERE id IN (SELECT id FROM responses ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)'
        )
        .run(this.limit)
    })()
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM responses WHERE id = ?').run(id).changes > 0
  }

  item(id: string): ResponseInputItem | undefined {
    const row = this.db
      .prepare(
        'SELECT r.* FROM response_items i JOIN responses r ON r.id = i.response_id WHERE i.item_id = ?'
      )
      .get(id) as Row | undefined
    return row ? toStored(row).items.find((i) => i.id === id) : undefined
  }
}

function toStored(row: Row): StoredResponse {
  return {
    id: row.id,
    createdAt: row.created_at,
    items: JSON.parse(row.items) as ResponseInputItem[],
    response: JSON.parse(row.response) as Record<string, unknown>
  }
}
