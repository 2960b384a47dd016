/**
 * @module An upstream's refusal as the engine reports it: the AppError the provider threw (see
 * providers/upstream-error.ts), its message prefixed with the node and model that sent it.
 */
import { AppError } from '../errors'

/** An upstream's refusal, re-thrown naming the node and model that sent it; others unchanged. */
export function nodeFailure(err: unknown, node: string, model: string): never {
  if (err instanceof AppError && err.options.upstream)
    throw new AppError(err.code, `node "${node}" (model "${model}"): ${err.message}`, {
      ...err.options,
      cause: err
    })
  throw err
}
