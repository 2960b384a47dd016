/**
 * @module Validates the body of a mapped route (responses, messages, completions, embeddings)
 * with its zod schema from src/shared, after the same depth limit as the chat route. A bad body
 * is a 400 `invalid_request` naming every bad field; `param` is the first.
 */
import type { z } from 'zod'
import { formatPath } from '../../../../shared/config/diagnostics'
import { AppError } from '../../errors'
import { MAX_BODY_DEPTH, nestsDeeperThan, tooDeep } from '../request-body'

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (nestsDeeperThan(body, MAX_BODY_DEPTH)) throw tooDeep(body)
  const parsed = schema.safeParse(body)
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues
  const first = issues[0]
  const param = first ? formatPath(first.path as (string | number)[]) : null
  const all = issues
    .map((i) => `${formatPath(i.path as (string | number)[]) || '(body)'}: ${i.message}`)
    .join('; ')
  throw new AppError('invalid_request', `invalid request body: ${all}`, { param })
}
