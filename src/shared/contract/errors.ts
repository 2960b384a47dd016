/**
 * @module The one error shape of the control API, over IPC and HTTP alike, and the result
 * envelope that carries it. Codes are the OpenAI API's (`../openai/error.ts`), so a code means the
 * same thing, and maps to the same HTTP status, on `/v1` and on `/api`.
 */
import { z } from 'zod'
import { ERROR_CODES, type ErrorCode } from '../openai/error'

export const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]])

/** One input problem, located by its path in the input (`['messages', 0, 'role']`). */
export const IssueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string()
})
export type Issue = z.infer<typeof IssueSchema>

/** What a failed request returns. `details.issues` lists input problems; never a stack. */
export const ControlErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional()
})
export type ControlError = z.infer<typeof ControlErrorSchema>

/** The result of every request: the handler's output, or the error. */
export type Envelope<T> = { ok: true; data: T } | { ok: false; error: ControlError }

/** The HTTP status of an error code. */
export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status
}
