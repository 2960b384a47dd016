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

/** Whitespace-separated words, as the Rust llmnet counts them. */
export function countWords(text: string): number {
  const trimmed = text.trim()
  return trimmed === '' ? 0 : trimmed.split(/\s+/u).length
}

/** Characters (code points), not UTF-8 bytes as the Rust llmnet counted. */
export function charLength(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

/**
 * The request header that feeds a `UseHeaderKeys` variable: `OutputCustomKey` is read from
 * `X-Output-Custom-Key` (the Rust llmnet README's Nemotron example), or from a header named exactly
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

/**
 * The `$` forms a function field can hold, tried left to right at each `$`:
 * groups 1,2 `${secrets.NAME.VAR}`; 3,4 `$secrets.NAME.VAR`; 5 `${NAME}`; 6 `$NAME`.
 * The runtime's substitution and the validator both read templates with this one pattern.
 */
export const VARIABLE_TOKEN_SOURCE =
  '\\$(?:\\{secrets\\.([A-Za-z0-9_-]+)\\.([A-Za-z0-9_]+)\\}|secrets\\.([A-Za-z0-9_-]+)\\.([A-Za-z0-9_]+)|\\{([A-Za-z_][A-Za-z0-9_]*)\\}|([A-Za-z_][A-Za-z0-9_]*))'

/** A variable found in a template by {@link findVariables}. */
export interface VariableUse {
  /** The variable's name, e.g. `OUTPUT` (for `$OUTPUT_TEXT` when only OUTPUT is set). */
  name: string
  /** Offset of its `$` in the template. */
  index: number
  /** The token as written, e.g. `${OUTPUT}`. */
  token: string
}

/**
 * The variables (not secrets) that substitution would replace in `template`, given the names
 * that will be set: `${NAME}` when NAME is set, `$NAME` when NAME or its longest set prefix is.
 * An unknown `$NAME` is left as written at run time, so it is not reported.
 */
export function findVariables(template: string, isSet: (name: string) => boolean): VariableUse[] {
  const found: VariableUse[] = []
  for (const m of template.matchAll(new RegExp(VARIABLE_TOKEN_SOURCE, 'g'))) {
    const braced = m[5]
    const plain = m[6]
    let name: string | undefined
    if (braced !== undefined) name = isSet(braced) ? braced : undefined
    else if (plain !== undefined) {
      for (let len = plain.length; len > 0 && name === undefined; len--)
        if (isSet(plain.slice(0, len))) name = plain.slice(0, len)
    }
    if (name !== undefined) found.push({ name, index: m.index, token: m[0] })
  }
  return found
}
