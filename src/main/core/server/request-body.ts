/**
 * @module Validates a chat request body against the contract in src/shared (the zod schema).
 * The schema's JSON Schema is compiled once by Ajv into straight-line code, which accepts a valid
 * body for a fraction of zod's CPU per request (docs/performance.md); a body Ajv rejects goes to
 * zod, whose issues name every bad field. Both read the same schema, and a test holds them equal.
 */
import { createRequire } from 'node:module'
import type Ajv2020 from 'ajv/dist/2020.js'
import { z } from 'zod'
import { formatPath } from '../../../shared/config/diagnostics'
import {
  type ChatCompletionRequest,
  ChatCompletionRequestSchema
} from '../../../shared/openai/chat'
import { AppError } from '../errors'

let compiled: ((body: unknown) => boolean) | undefined

// Ajv is required on first use, with the compile: importing it at the top cost `llmnet run`
// start-up time for a validator that no request had needed yet.
const load = createRequire(import.meta.url)

/**
 * The fast acceptance check, derived from the zod schema. Compiled on first use (~30 ms), so
 * commands that never serve (`validate`, `models`…) do not pay for it at start-up.
 */
export function acceptsChatRequest(body: unknown): boolean {
  if (!compiled) {
    const { default: Ajv } = load('ajv/dist/2020.js') as { default: typeof Ajv2020 }
    compiled = new Ajv({ strict: true, allErrors: false }).compile(
      z.toJSONSchema(ChatCompletionRequestSchema, { io: 'input' })
    )
  }
  return compiled(body)
}

/** The body as a typed request, or an `invalid_request` AppError naming the bad fields. */
export function parseChatRequest(body: unknown): ChatCompletionRequest {
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
