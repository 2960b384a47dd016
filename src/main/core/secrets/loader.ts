/**
 * @module Loads a composition's `secrets` into memory: dotenv files, environment variables,
 * HashiCorp Vault (KV v1 and v2) and the app's own store. Values are kept under
 * `<secret name>.<VARIABLE>` and read back through {@link SecretLookup}. Nothing here throws for a
 * source that cannot be read: every failure becomes a {@link SecretProblem}, and the rest load.
 * Problem messages name files, variables and URLs, never a value or a Vault token.
 */
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, resolve } from 'node:path'
import { parseDotenv } from '../../../shared/config/dotenv'
import type { Composition, SecretSource } from '../../../shared/config/schema'
import { createRedactor } from './redact'
import type { SecretLookup, SecretStore } from './types'

export { InMemorySecretStore } from './in-memory-store'

/** A secret source that could not be (fully) resolved. */
export interface SecretProblem {
  /** The secret's name in the composition. */
  name: string
  /** The source kind: `env-file`, `env`, `vault` or `store`. */
  source: string
  /** What went wrong, for people. Never contains a secret value or a token. */
  message: string
}

/** The loaded secrets of one composition. */
export interface LoadedSecrets extends SecretLookup {
  /** The value of `$secrets.<name>.<variable>`, if it was loaded. */
  get(name: string, variable: string): string | undefined
  /** Every loaded `<name>.<VARIABLE>` key, in load order. */
  keys(): string[]
  /** Every distinct loaded value, for redaction. */
  values(): string[]
  /** Everything that could not be resolved. */
  readonly problems: SecretProblem[]
}

/** Options for {@link loadSecrets}. */
export interface LoadSecretsOptions {
  /** The environment `env` sources, Vault tokens and `VAULT_NAMESPACE` are read from. */
  env: NodeJS.ProcessEnv
  /** Relative `env-file` paths are resolved against this (the composition's directory). */
  baseDir: string
  /** The app's secret store, for `store` sources. */
  store?: SecretStore
  /** The fetch used for Vault (default: the global one). */
  fetch?: typeof fetch
  /** Time allowed for each Vault request, body included (default 10 000 ms). */
  timeoutMs?: number
  /** What `~` in an `env-file` path expands to (default: the user's home directory). */
  homeDir?: string
}

/** Default time allowed for a Vault request. */
export const DEFAULT_VAULT_TIMEOUT_MS = 10_000

/** The token variable a `vault` source uses when it names none. */
export const DEFAULT_VAULT_TOKEN_ENV = 'VAULT_TOKEN'

/** One source's outcome before it is merged: its values (by variable) and its problems. */
interface SourceResult {
  values: [variable: string, value: string][]
  problems: string[]
  /** Strings that must not appear in any problem message (Vault tokens). */
  hidden?: string[]
}

/**
 * Loads every source of a composition's `secrets` map. Sources are read concurrently; the result
 * lists values and problems in the map's order, whatever order the reads finish in.
 */
export async function loadSecrets(
  secrets: Composition['secrets'] | undefined,
  opts: LoadSecretsOptions
): Promise<LoadedSecrets> {
  const entries = Object.entries(secrets ?? {})
  const results = await Promise.all(
    entries.map(([name, source]) =>
      loadSource(name, source, opts).catch((err: unknown): SourceResult => ({
        values: [],
        problems: [`could not be loaded: ${describeError(err)}`]
      }))
    )
  )
  const map = new Map<string, string>()
  const raw: SecretProblem[] = []
  const hidden: string[] = []
  entries.forEach(([name, source], i) => {
    const result = results[i]
    if (!result) return
    for (const [variable, value] of result.values) map.set(`${name}.${variable}`, value)
    for (const message of result.problems) raw.push({ name, source: source.source, message })
    if (result.hidden) hidden.push(...result.hidden)
  })
  // Belt and braces: the messages are built without values, but a file path, a Vault error text
  // or a thrown error could still echo one back.
  const redact = createRedactor([...map.values(), ...hidden])
  const problems = raw.map((p) => ({ ...p, message: redact(p.message) }))
  return new MapSecrets(map, problems)
}

class MapSecrets implements LoadedSecrets {
  constructor(
    private readonly map: ReadonlyMap<string, string>,
    readonly problems: SecretProblem[]
  ) {}

  get(name: string, variable: string): string | undefined {
    return this.map.get(`${name}.${variable}`)
  }

  keys(): string[] {
    return [...this.map.keys()]
  }

  values(): string[] {
    return [...new Set(this.map.values())]
  }
}

/** Async so that a synchronous throw (a locked store, say) becomes that source's problem. */
async function loadSource(
  name: string,
  source: SecretSource,
  opts: LoadSecretsOptions
): Promise<SourceResult> {
  switch (source.source) {
    case 'env-file':
      return loadEnvFile(source, opts)
    case 'env':
      return loadEnv(source, opts)
    case 'vault':
      return loadVault(source, opts)
    case 'store':
      return loadStore(name, source, opts)
  }
}

// ── env-file ──────────────────────────────────────────────────────────────────────────────────

/** Expands a leading `~` (alone, `~/…` or `~\…`) and resolves a relative path against baseDir. */
export function resolveEnvFilePath(
  path: string,
  baseDir: string,
  homeDir: string = homedir()
): string {
  let p = path
  if (p === '~') p = homeDir
  else if (p.startsWith('~/') || p.startsWith('~\\')) p = resolve(homeDir, p.slice(2))
  return isAbsolute(p) ? p : resolve(baseDir, p)
}

async function loadEnvFile(
  source: Extract<SecretSource, { source: 'env-file' }>,
  opts: LoadSecretsOptions
): Promise<SourceResult> {
  const path = resolveEnvFilePath(source.path, opts.baseDir, opts.homeDir)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    return { values: [], problems: [`cannot read env file ${path}: ${describeFsError(err)}`] }
  }
  const parsed = parseDotenv(text)
  // Only line numbers: the offending line may well hold a value.
  const problems = parsed.problems.map(
    (p) => `${path}:${p.line}: ${p.message}; the line was skipped`
  )
  const picked = pick(parsed.values, source.variables, (v) => `${v} is not defined in ${path}`)
  problems.push(...picked.problems)
  if (source.variables.length === 0 && picked.values.length === 0)
    problems.push(`${path} defines no variables`)
  return { values: picked.values, problems }
}

// ── env ───────────────────────────────────────────────────────────────────────────────────────

function loadEnv(
  source: Extract<SecretSource, { source: 'env' }>,
  opts: LoadSecretsOptions
): SourceResult {
  const value = opts.env[source.variable]
  if (value === undefined)
    return { values: [], problems: [`environment variable ${source.variable} is not set`] }
  if (value === '')
    return { values: [], problems: [`environment variable ${source.variable} is empty`] }
  return { values: [[source.variable, value]], problems: [] }
}

// ── store ─────────────────────────────────────────────────────────────────────────────────────

function loadStore(
  name: string,
  source: Extract<SecretSource, { source: 'store' }>,
  opts: LoadSecretsOptions
): SourceResult {
  const store = opts.store
  if (!store)
    return {
      values: [],
      problems: [
        'no secret store is configured (store secrets need the app, or a store passed to the loader)'
      ]
    }
  const prefix = `${name}.`
  // `keys(name)` yields full `<name>.<VAR>` keys; a bare variable name is accepted as well.
  const variables =
    source.variables.length > 0
      ? source.variables
      : store.keys(name).map((k) => (k.startsWith(prefix) ? k.slice(prefix.length) : k))
  if (variables.length === 0)
    return { values: [], problems: [`the secret store holds no values for "${name}"`] }
  const values: [string, string][] = []
  const problems: string[] = []
  for (const variable of variables) {
    const value = store.get(`${prefix}${variable}`)
    if (value === undefined) problems.push(`${prefix}${variable} is not in the secret store`)
    else values.push([variable, value])
  }
  return { values, problems }
}

// ── vault ─────────────────────────────────────────────────────────────────────────────────────

async function loadVault(
  source: Extract<SecretSource, { source: 'vault' }>,
  opts: LoadSecretsOptions
): Promise<SourceResult> {
  // The docs spell it `token-env`, the Rust llmnet's code `token_env`: both are honoured.
  const tokenEnv = source['token-env'] ?? source.token_env ?? DEFAULT_VAULT_TOKEN_ENV
  const token = opts.env[tokenEnv]
  if (token === undefined || token === '') {
    return {
      values: [],
      problems: [`environment variable ${tokenEnv} (the Vault token) is not set`]
    }
  }
  const url = `${source.address.replace(/\/+$/, '')}/v1/${source.path.replace(/^\/+/, '')}`
  const shown = displayUrl(url)
  const headers: Record<string, string> = { 'X-Vault-Token': token, Accept: 'application/json' }
  const namespace = opts.env.VAULT_NAMESPACE
  if (namespace) headers['X-Vault-Namespace'] = namespace
  const timeoutMs = opts.timeoutMs ?? DEFAULT_VAULT_TIMEOUT_MS
  const fail = (message: string): SourceResult => ({
    values: [],
    problems: [message],
    hidden: [token]
  })

  let status: number
  let body: string
  try {
    const doFetch = opts.fetch ?? fetch
    // Redirects are not followed: fetch would replay the X-Vault-Token header to wherever the
    // Location points.
    const res = await doFetch(url, {
      method: 'GET',
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs)
    })
    status = res.status
    if (status >= 300 && status < 400) {
      await res.body?.cancel().catch(() => undefined)
      const location = res.headers.get('location')
      return fail(
        `Vault at ${shown} answered ${status} (a redirect${location ? ` to ${displayUrl(location)}` : ''}); ` +
          'the token is not sent on redirects — set address to the node that serves the secret'
      )
    }
    body = await res.text()
  } catch (err) {
    if (isTimeout(err)) return fail(`Vault at ${shown} did not answer within ${timeoutMs} ms`)
    return fail(`cannot reach Vault at ${shown}: ${describeError(err)}`)
  }

  const json = parseJson(body)
  if (status < 200 || status >= 300) {
    const detail = vaultErrorText(json)
    return fail(
      `Vault answered ${status} for ${shown}${detail ? `: ${detail}` : status === 404 ? ': no secret at this path' : ''}`
    )
  }
  if (json === undefined)
    return fail(`Vault answered ${status} for ${shown} with a body that is not JSON`)
  const data = readKv(json)
  if (typeof data === 'string') return fail(`unexpected Vault response from ${shown}: ${data}`)

  const strings: Record<string, string> = {}
  const nonScalar = new Set<string>()
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'string') strings[key] = value
    else if (typeof value === 'number' || typeof value === 'boolean') strings[key] = String(value)
    else nonScalar.add(key)
  }
  const picked = pick(strings, source.variables, (v) =>
    nonScalar.has(v)
      ? `${v} in Vault secret ${source.path} is not a string, number or boolean`
      : `${v} is not in Vault secret ${source.path}`
  )
  const problems = picked.problems
  if (source.variables.length === 0 && picked.values.length === 0)
    problems.push(`Vault secret ${source.path} holds no string values`)
  return { values: picked.values, problems, hidden: [token] }
}

/**
 * The key/value map of a Vault read, told apart by shape: KV v2 answers
 * `{"data":{"data":{…},"metadata":{…}}}`, KV v1 `{"data":{…}}`. Returns a description when the
 * body is neither.
 */
function readKv(json: unknown): Record<string, unknown> | string {
  if (!isRecord(json)) return 'the body is not a JSON object'
  const outer = json.data
  if (!isRecord(outer)) return 'it has no "data" object'
  if ('metadata' in outer && 'data' in outer) {
    const inner = outer.data
    // KV v2 answers a deleted or destroyed version with `"data": null` and the metadata.
    if (inner === null) return 'the latest version of this KV v2 secret is deleted or destroyed'
    if (!isRecord(inner)) return '"data.data" is not an object'
    return inner
  }
  return outer
}

/** Vault's `errors` (and, when there are none, `warnings`) texts, joined. */
function vaultErrorText(json: unknown): string {
  if (!isRecord(json)) return ''
  const list = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  const errors = list(json.errors)
  return (errors.length > 0 ? errors : list(json.warnings)).join('; ')
}

// ── helpers ───────────────────────────────────────────────────────────────────────────────────

/** The listed variables (each missing one a problem), or all of them when none are listed. */
function pick(
  all: Record<string, string>,
  variables: readonly string[],
  missing: (variable: string) => string
): { values: [string, string][]; problems: string[] } {
  if (variables.length === 0) return { values: Object.entries(all), problems: [] }
  const values: [string, string][] = []
  const problems: string[] = []
  for (const variable of variables) {
    const value = Object.hasOwn(all, variable) ? all[variable] : undefined
    if (value === undefined) problems.push(missing(variable))
    else values.push([variable, value])
  }
  return { values, problems }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** A URL for messages: user info (`user:pass@`) and the query string dropped. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    u.search = ''
    return u.toString()
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//')
  }
}

function isTimeout(err: unknown): boolean {
  if (!isRecord(err) && !(err instanceof Error)) return false
  const e = err as { name?: unknown; cause?: unknown }
  if (e.name === 'TimeoutError') return true
  return e.name === 'AbortError' && isRecord(e.cause) && e.cause.name === 'TimeoutError'
}

/** An error's message plus its cause's code (fetch reports `fetch failed`, the reason is the cause). */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause: unknown = err.cause
  const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : undefined
  const causeMessage = cause instanceof Error ? cause.message : undefined
  return [err.message, code ?? causeMessage].filter(Boolean).join(': ')
}

function describeFsError(err: unknown): string {
  const code = isRecord(err) && typeof err.code === 'string' ? err.code : undefined
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  return code ?? describeError(err)
}
