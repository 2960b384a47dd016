/**
 * @module Any thrown value as the control contract's error shape (code, message, details; never a
 * stack): the one mapping the dispatcher, the transports and the chat tester's `chat.done` share.
 */
import type { ControlError } from '../../shared/contract/errors'
import type { ErrorCode } from '../../shared/openai/error'
import { AppError, ControlFailure } from './errors'
import { StorageError } from './storage/errors'

/** Sees an unexpected failure (not an AppError or a store failure a caller can act on). */
export interface ControlErrorOptions {
  onError?: (err: unknown, route: string) => void
}

/** Any thrown value as the contract's error shape: code and message, never a stack. */
export function toControlError(
  err: unknown,
  route: string,
  options: ControlErrorOptions = {}
): ControlError {
  const storage = err instanceof StorageError ? fromStorage(err) : undefined
  if (!(err instanceof AppError) && !storage) options.onError?.(err, route)
  const e = storage ?? AppError.from(err)
  const error: ControlError = { code: e.code, message: e.message }
  if (err instanceof ControlFailure) error.details = err.details
  else if (e.options.param) error.details = { param: e.options.param }
  return error
}

/** Store failures a caller can act on keep their meaning; the rest are internal errors. */
function fromStorage(err: StorageError): AppError | undefined {
  const code: ErrorCode | undefined =
    err.code === 'NOT_FOUND'
      ? 'not_found'
      : err.code === 'NAME_TAKEN' || err.code === 'VERSION_CONFLICT'
        ? 'conflict'
        : err.code === 'INVALID_INPUT' || err.code === 'SETTING_INVALID'
          ? 'invalid_request'
          : undefined
  return code ? new AppError(code, err.message) : undefined
}
