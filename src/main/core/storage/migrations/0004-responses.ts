/**
 * Schema 4: responses created on `/v1/responses` with `store` (the default), so a later request
 * can continue one by `previous_response_id` or point at one of its items by `item_reference`.
 * `items` is the whole conversation up to that response (its input items, then its output), as
 * JSON; `response_items` finds the response that holds an item id. Deleting a response deletes
 * its item ids (foreign keys are on).
 * Applied migrations are hashed: never edit this text once released; add 0005-… instead.
 */
export const sql = `
CREATE TABLE responses (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  items TEXT NOT NULL,
  response TEXT NOT NULL
);
CREATE INDEX responses_created ON responses (created_at);
CREATE TABLE response_items (
  item_id TEXT PRIMARY KEY,
  response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE
);
CREATE INDEX response_items_response ON response_items (response_id);
`
