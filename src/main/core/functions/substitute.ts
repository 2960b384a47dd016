/**
 * @module Variable substitution for function fields (REST url, headers and body; shell command,
 * args, env and cwd; websocket url, headers and message; gRPC fields).
 *
 * Unlike the Rust llmnet (a `replace` per variable, in hash-map order), this is one left-to-right
 * scan: the longest variable name wins (`$INPUT_LENGTH` is never `$INPUT` + "_LENGTH" when
 * INPUT_LENGTH is set), a substituted value is never scanned again, an unresolvable
 * `$secrets.NAME.VAR` is an error instead of an empty string, and REST urls can be encoded.
 */
import { VARIABLE_TOKEN_SOURCE } from '../../../shared/config/variables'
import type { SecretLookup } from '../engine/ports'

/** Variables visible to a function: `$NAME` / `${NAME}`. */
export type Variables = Readonly<Record<string, unknown>>

/** Options of {@link substituteString}. */
export interface SubstituteOptions {
  /** `'url'`: percent-encode each substituted value (encodeURIComponent); literal text is kept. */
  encode?: 'url'
}

/**
 * A `$secrets.NAME.VAR` reference that the secret store cannot resolve. The message names the
 * reference only, never a secret value.
 */
export class UnresolvedSecretError extends Error {
  override readonly name = 'UnresolvedSecretError'
  constructor(
    /** The reference as written, e.g. `$secrets.api.TOKEN`. */
    readonly reference: string
  ) {
    super(`${reference} is not available (unknown secret source or variable, or not loaded)`)
  }
}

// `$` forms, shared with the validator; identifiers match greedily, so the longest name written
// is the one looked up first.
const TOKEN = new RegExp(VARIABLE_TOKEN_SOURCE, 'g')

const EXACT_TOKEN = new RegExp(`^(?:${TOKEN.source})$`)

/** Renders a value as text: strings as-is, null → "null", everything else as JSON text. */
export function renderValue(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null) return 'null'
  if (typeof value === 'bigint') return value.toString()
  return JSON.stringify(value) ?? ''
}

/** What one token resolves to; `undefined` means "leave the token as written". */
interface Resolved {
  value: unknown
  /** Text after the variable that belongs to the template (prefix match of `$NAME`). */
  rest: string
}

function hasVar(vars: Variables, name: string): boolean {
  return Object.hasOwn(vars, name) && vars[name] !== undefined
}

function resolveToken(
  groups: (string | undefined)[],
  vars: Variables,
  secrets: SecretLookup | undefined,
  token: string
): Resolved | undefined {
  const [bs, bv, ps, pv, braced, plain] = groups
  const secretName = bs ?? ps
  const secretVar = bv ?? pv
  if (secretName !== undefined && secretVar !== undefined) {
    const value = secrets?.get(secretName, secretVar)
    if (value === undefined) throw new UnresolvedSecretError(token)
    return { value, rest: '' }
  }
  if (braced !== undefined)
    return hasVar(vars, braced) ? { value: vars[braced], rest: '' } : undefined
  if (plain === undefined) return undefined
  // Longest defined name that the written identifier starts with: `$INPUT_LENGTH` is
  // INPUT_LENGTH when set, else INPUT followed by "_LENGTH" (as the Rust llmnet's plain replace).
  for (let len = plain.length; len > 0; len--) {
    const name = plain.slice(0, len)
    if (hasVar(vars, name)) return { value: vars[name], rest: plain.slice(len) }
  }
  return undefined
}

/**
 * Substitutes `$NAME`, `${NAME}` and `$secrets.NAME.VAR` in a string.
 * Unknown variables stay as written; an unresolvable secret throws {@link UnresolvedSecretError}.
 */
export function substituteString(
  template: string,
  vars: Variables,
  secrets?: SecretLookup,
  options: SubstituteOptions = {}
): string {
  if (!template.includes('$')) return template
  const encode = options.encode === 'url' ? encodeURIComponent : (s: string): string => s
  return template.replace(TOKEN, (token: string, ...args: unknown[]) => {
    const resolved = resolveToken(args.slice(0, 6) as (string | undefined)[], vars, secrets, token)
    if (!resolved) return token
    return encode(renderValue(resolved.value)) + resolved.rest
  })
}

/**
 * If `text` is exactly one variable or secret reference (`"$X"`, `"${X}"`, `"$secrets.a.B"`),
 * returns `{ value }` with the variable's own value; otherwise undefined.
 */
function exactVariable(
  text: string,
  vars: Variables,
  secrets: SecretLookup | undefined
): { value: unknown } | undefined {
  if (!text.startsWith('$')) return undefined
  const match = EXACT_TOKEN.exec(text)
  if (!match) return undefined
  const resolved = resolveToken(match.slice(1, 7), vars, secrets, match[0])
  if (!resolved || resolved.rest !== '') return undefined
  return { value: resolved.value }
}

/**
 * Substitutes inside a JSON value: objects (keys too), arrays and strings. A string that is
 * exactly one variable keeps the variable's type (`"$WORD_COUNT"` → 12, not "12"); other
 * strings get text substitution. Numbers, booleans and null are returned unchanged.
 */
export function substituteJson(value: unknown, vars: Variables, secrets?: SecretLookup): unknown {
  if (typeof value === 'string') {
    const exact = exactVariable(value, vars, secrets)
    return exact ? exact.value : substituteString(value, vars, secrets)
  }
  if (Array.isArray(value)) return value.map((item) => substituteJson(item, vars, secrets))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      out[substituteString(key, vars, secrets)] = substituteJson(item, vars, secrets)
    }
    return out
  }
  return value
}
