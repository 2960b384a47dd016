/**
 * @module Names of the variables conditions and hooks can read, and the pure helpers that
 * compute them. The engine fills them per hop; the validator uses the names to flag typos.
 */

/** Variables set for routing conditions on every hop. */
export const ROUTING_VARIABLES = [
  'WORD_COUNT',
  'INPUT_LENGTH',
  'PREV_NODE',
  'HOP_COUNT',
  'CURRENT_LAYER',
  'TIMESTAMP',
  'REQUEST_ID',
  'INITIAL_INPUT',
  'CURRENT_INPUT',
  'PREV_LAYER',
  'ROUTE_DECISION'
] as const

/** Hooks see the routing variables plus these. */
export const HOOK_VARIABLES = [...ROUTING_VARIABLES, 'INPUT', 'OUTPUT', 'NODE'] as const

/** Whitespace-separated words, as the original counts them. */
export function countWords(text: string): number {
  const trimmed = text.trim()
  return trimmed === '' ? 0 : trimmed.split(/\s+/u).length
}

/** Characters (code points), not UTF-8 bytes as the original counted. */
export function charLength(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

/**
 * The request header that feeds a `UseHeaderKeys` variable: `OutputCustomKey` is read from
 * `X-Output-Custom-Key` (the original README's Nemotron example), or from a header named exactly
 * like the key.
 */
export function headerNamesForKey(key: string): string[] {
  const kebab = key
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
  return [`x-${kebab}`, key.toLowerCase()]
}

/** The `UseHeaderKeys` variables a request's headers set (the first matching header wins). */
export function readHeaderVariables(
  keys: readonly string[],
  headers: Readonly<Record<string, string | string[] | undefined>>
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of keys) {
    for (const name of headerNamesForKey(key)) {
      const v = headers[name]
      const value = Array.isArray(v) ? v[0] : v
      if (value !== undefined) {
        out[key] = value
        break
      }
    }
  }
  return out
}
