/**
 * @module Where `/v1/responses` keeps the responses it created with `store` (the default): in
 * memory under `llmnet run` (the newest {@link MEMORY_RESPONSES}), in the data folder's SQLite
 * database under `serve` and the app ({@link SqliteResponseStore}). A stored response holds the
 * whole conversation up to it, so `previous_response_id` continues it and `item_reference`
 * finds any of its items by id.
 */
import type { ResponseInputItem } from '../../../shared/openai/responses'

/** One stored response. */
export interface StoredResponse {
  id: string
  createdAt: number
  /** The conversation up to and including this response: input items, then output items. */
  items: ResponseInputItem[]
  /** The `response` object as it was answered. */
  response: Record<string, unknown>
}

export interface ResponseStore {
  get(id: string): StoredResponse | undefined
  put(r: StoredResponse): void
  delete(id: string): boolean
  /** An item of a stored response, by its id. */
  item(id: string): ResponseInputItem | undefined
}

/** Responses kept in memory under `run`; older ones are forgotten first. */
export const MEMORY_RESPONSES = 500

function itemIds(items: ResponseInputItem[]): string[] {
  return items.flatMap((i) => (typeof i.id === 'string' && i.id ? [i.id] : []))
}

/** A bounded in-memory store: the newest `limit` responses. */
export class MemoryResponseStore implements ResponseStore {
  private readonly responses = new Map<string, StoredResponse>()
  private readonly items = new Map<string, { response: string; item: ResponseInputItem }>()

  constructor(private readonly limit = MEMORY_RESPONSES) {}

  get size(): number {
    return this.responses.size
  }

  get(id: string): StoredResponse | undefined {
    return this.responses.get(id)
  }

  put(r: StoredResponse): void {
    this.delete(r.id)
    this.responses.set(r.id, r)
    for (const item of r.items)
      if (typeof item.id === 'string' && item.id) this.items.set(item.id, { response: r.id, item })
    while (this.responses.size > this.limit) {
      const oldest = this.responses.keys().next().value as string
      this.delete(oldest)
    }
  }

  delete(id: string): boolean {
    const r = this.responses.get(id)
    if (!r) return false
    this.responses.delete(id)
    for (const itemId of itemIds(r.items))
      if (this.items.get(itemId)?.response === id) this.items.delete(itemId)
    return true
  }

  item(id: string): ResponseInputItem | undefined {
    return this.items.get(id)?.item
  }
}
