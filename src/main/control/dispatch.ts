/**
 * @module The one place a control request is carried out, whatever the transport: look the route
 * up, parse the input with its zod schema, call the handler, check the result against the output
 * schema, and wrap it all in an envelope. Nothing here throws.
 */
import type { z } from 'zod'
import type { Envelope, Issue } from '../../shared/contract/errors'
import type { ContractHandlers, HandlerContext } from '../../shared/contract/handlers'
import { ROUTES, isRouteName } from '../../shared/contract/routes'
import type { ErrorCode } from '../../shared/openai/error'
import { type ControlErrorOptions, toControlError } from '../core/control-error'
import { ControlFailure } from '../core/errors'

export { ControlFailure, toControlError }

/** `onError` sees every unexpected failure (a handler's bug, a bad result) with its stack. */
export type DispatchOptions = ControlErrorOptions

/** Carries out one request; the envelope holds the output or a {@link ControlError}. */
export async function dispatch(
  handlers: ContractHandlers,
  route: unknown,
  rawInput: unknown,
  ctx: HandlerContext,
  options: DispatchOptions = {}
): Promise<Envelope<unknown>> {
  if (typeof route !== 'string' || !isRouteName(route)) {
    return fail('not_found', `unknown route ${JSON.stringify(String(route).slice(0, 100))}`)
  }
  const def = ROUTES[route]
  const input = def.input.safeParse(rawInput)
  if (!input.success) {
    const issues = toIssues(input.error)
    const first = issues[0]
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : ''
    return fail('invalid_request', `invalid input for ${route}: ${where}${first?.message}`, {
      issues
    })
  }
  let result: unknown
  try {
    const handler = handlers[route] as (input: unknown, ctx: HandlerContext) => Promise<unknown>
    result = await handler(input.data, ctx)
  } catch (err) {
    return { ok: false, error: toControlError(err, route, options) }
  }
  // Parsing the result too strips anything a handler returned beyond the contract.
  const output = def.output.safeParse(result)
  if (!output.success) {
    options.onError?.(output.error, route)
    return fail('internal_error', `the ${route} handler returned a result outside the contract`)
  }
  return { ok: true, data: output.data }
}

function fail(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>
): Envelope<never> {
  return { ok: false, error: details ? { code, message, details } : { code, message } }
}

function toIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: i.message
  }))
}
