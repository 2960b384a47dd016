/**
 * @module Runs one function of any type and reports the outcome as a {@link FunctionResult}.
 * Like the Rust llmnet's executor it never throws; unlike it, every error names the function.
 */
import type { FunctionDefinition } from '../../../shared/config/schema'
import { runGrpc } from './grpc'
import { runRest } from './rest'
import { runShell } from './shell'
import { UnresolvedSecretError } from './substitute'
import {
  type FunctionContext,
  FunctionError,
  type FunctionResult,
  type RunFunctionOptions,
  type RunnerOutput
} from './types'
import { runWebSocket } from './websocket'

function dispatch(
  def: FunctionDefinition,
  ctx: FunctionContext,
  options: RunFunctionOptions
): Promise<RunnerOutput> {
  switch (def.type) {
    case 'rest':
      return runRest(def, ctx)
    case 'shell':
      return runShell(def, ctx)
    case 'websocket':
      return runWebSocket(def, ctx, options)
    case 'grpc':
      return runGrpc(def, ctx)
    default: {
      const unknown: never = def
      return Promise.reject(
        new FunctionError(
          `unknown function type "${(unknown as { type?: unknown }).type as string}"`
        )
      )
    }
  }
}

function describeError(err: unknown): string {
  if (err instanceof FunctionError || err instanceof UnresolvedSecretError) return err.message
  // Anything else is a bug or an unexpected library error: keep its message, drop the stack.
  if (err instanceof Error) return `unexpected error: ${err.message}`
  return `unexpected error: ${String(err)}`
}

/**
 * Runs the function `name` described by `def`. Never throws: failures come back as
 * `{ ok: false, error: 'function "name" (type): reason' }`.
 */
export async function runFunction(
  name: string,
  def: FunctionDefinition,
  ctx: FunctionContext,
  options: RunFunctionOptions = {}
): Promise<FunctionResult> {
  const started = performance.now()
  const elapsed = (): number => Math.round(performance.now() - started)
  try {
    const { output, notes } = await dispatch(def, ctx, options)
    const result: FunctionResult = { ok: true, durationMs: elapsed() }
    if (output !== undefined) result.output = output
    if (notes?.length) result.notes = notes
    return result
  } catch (err) {
    const type = (def as { type?: unknown } | null)?.type
    return {
      ok: false,
      error: `function "${name}" (${typeof type === 'string' ? type : 'unknown type'}): ${describeError(err)}`,
      durationMs: elapsed()
    }
  }
}
