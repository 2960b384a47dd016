/**
 * @module Validates a chat request body against the contract in src/shared (the zod schema).
 * The schema's JSON Schema is compiled once by Ajv into straight-line code, which accepts a valid
 * body for a fraction of zod's CPU per request (docs/performance.md); a body Ajv rejects goes to
 * zod, whose issues name every bad field. Both read the same schema, and a test holds them equal.
 * Before either, a depth check: JSON.parse accepts any nesting, but the recursive code after it
 * (JSON.stringify of the upstream request among others) overflows the stack near 5,000 levels.
 */
import { createRequire } from 'node:module'
import type Ajv from 'ajv'
import { z } from 'zod'
import { formatPath } from '../../../shared/config/diagnostics'
import {
  type ChatCompletionRequest,
  ChatCompletionRequestSchema
} from '../../../shared/openai/chat'
import { AppError } from '../errors'

let compiled: ((body: unknown, context: object) => boolean) | undefined

/**
 * One context for every call: the compiled function's default (`= {}`) would allocate one per
 * request. Draft-07 rather than 2020-12: Ajv's 2020 code tracks evaluated properties, so each
 * `anyOf` tries every branch and builds an error object for each that fails (a string `content`
 * cost two, 536 bytes a request); draft-07's stops at the first branch that holds.
 */
const NO_CONTEXT = {}

// Ajv is required on first use, with the compile: importing it at the top cost `llmnet run`
// start-up time for a validator that no request had needed yet.
const load = createRequire(import.meta.url)

/**
 * The fast acceptance check, derived from the zod schema. Compiled on first use (~30 ms), so
 * commands that never serve (`validate`, `models`…) do not pay for it at start-up.
 */
export function acceptsChatRequest(body: unknown): boolean {
  if (!compiled) {
    const { default: AjvClass } = load('ajv') as { default: typeof Ajv }
    // The generated function destructures its context with defaults for every field, so an
    // empty one is what it uses when given none (its declared type lists them all).
    compiled = new AjvClass({ strict: true, allErrors: false }).compile(
      z.toJSONSchema(ChatCompletionRequestSchema, { io: 'input', target: 'draft-7' })
    ) as unknown as (body: unknown, context: object) => boolean
  }
  return compiled(body, NO_CONTEXT)
}

/** Objects and arrays nested deeper than this in a request body are refused (400). */
export const MAX_BODY_DEPTH = 64

/**
 * Whether `value` nests objects and arrays deeper than `limit` levels (the value itself is level
 * 1). The recursion stops at level `limit + 1` whatever the body, so a hostile body cannot
 * overflow the stack here; it allocates nothing (every request's body passes through it), and a
 * scalar costs one typeof.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  return deeperThan(value, 1, limit)
}

function deeperThan(v: unknown, depth: number, limit: number): boolean {
  if (typeof v !== 'object' || v === null) return false
  if (depth > limit) return true
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (deeperThan(v[i], depth + 1, limit)) return true
    return false
  }
  for (const k in v)
    if (deeperThan((v as Record<string, unknown>)[k], depth + 1, limit)) return true
  return false
}

interface Visit {
  v: unknown
  key: string | number
  up: Visit | undefined
  depth: number
}

/** The path to the first container past level `limit` (only called on the error path). */
function deepPath(value: unknown, limit: number): (string | number)[] {
  const stack: Visit[] = [{ v: value, key: '', up: undefined, depth: 1 }]
  while (stack.length > 0) {
    const at = stack.pop() as Visit
    if (at.depth > limit) {
      const path: (string | number)[] = []
      for (let n: Visit | undefined = at; n?.up; n = n.up) path.unshift(n.key)
      return path
    }
    const entries: [string | number, unknown][] = Array.isArray(at.v)
      ? at.v.map((x, i) => [i, x])
      : Object.entries(at.v as object)
    for (const [key, v] of entries)
      if (typeof v === 'object' && v !== null) stack.push({ v, key, up: at, depth: at.depth + 1 })
  }
  return []
}

/** The 400 for a body nested past {@link MAX_BODY_DEPTH}, naming where. */
export function tooDeep(body: unknown): AppError {
  const path = deepPath(body, MAX_BODY_DEPTH)
  // The first segments say which field it is; all 64 would drown the message.
  const shown = formatPath(path.slice(0, 6))
  return new AppError(
    'invalid_request',
    `invalid request body: ${shown}${path.length > 6 ? '…' : ''} nests deeper than ${MAX_BODY_DEPTH} levels (the limit for objects and arrays in a request)`,
    { param: shown }
  )
}

/** The body as a typed request, or an `invalid_request` AppError naming the bad fields. */
export function parseChatRequest(body: unknown): ChatCompletionRequest {
  if (nestsDeeperThan(body, MAX_BODY_DEPTH)) throw tooDeep(body)
  // The schema has no defaults or transforms, so an accepted body is its own parsed value.
  if (acceptsChatRequest(body)) return body as ChatCompletionRequest
  const parsed = ChatCompletionRequestSchema.safeParse(body)
  if (parsed.success) return parsed.data
  const first = parsed.error.issues[0]
  const param = first ? formatPath(first.path as (string | number)[]) : null
  const all = parsed.error.issues
    .map((i) => `${formatPath(i.path as (string | number)[])}: ${i.message}`)
    .join('; ')
  throw new AppError('invalid_request', `invalid request body: ${all}`, { param })
}
