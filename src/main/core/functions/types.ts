/**
 * @module The contract between hooks and the function runners (rest, shell, websocket, grpc).
 */
import type { CancelSignal } from '../cancel'
import type { SecretLookup } from '../engine/ports'

/** What a function call can see. */
export interface FunctionContext {
  /** `$NAME` variables: INPUT, OUTPUT, NODE, REQUEST_ID and the request's variables. */
  vars: Record<string, unknown>
  /** Resolves `$secrets.NAME.VAR`. */
  secrets: SecretLookup
  /** Cancels the call (the request ended); the function stops and fails with "cancelled". */
  signal?: CancelSignal
  /** Directory of the composition, for relative paths such as a proto file or a shell cwd. */
  baseDir: string
}

/** How the caller uses the result. */
export interface RunFunctionOptions {
  /**
   * Transform hooks need the function's answer. For websocket functions this means waiting for
   * one reply message; in observe mode (false, the default) the socket closes after the send.
   */
  expectReply?: boolean
}

/** The outcome of one call; runners never throw past {@link runFunction}. */
export interface FunctionResult {
  ok: boolean
  /** Parsed JSON when the result is JSON, else a string; undefined when empty. */
  output?: unknown
  /** Why the call failed, naming the function. Never contains a secret value we substituted. */
  error?: string
  durationMs: number
  /** Things worth logging that did not fail the call, e.g. "stdout truncated at 1 MiB". */
  notes?: string[]
}

/** What a runner returns on success; failures are thrown as errors. */
export interface RunnerOutput {
  output?: unknown
  notes?: string[]
}

/** An expected failure with a message fit for the user (no stack, no secret values). */
export class FunctionError extends Error {
  override readonly name = 'FunctionError'
}

/** Default `timeout` of every function type, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 30

/** Parses trimmed text as JSON when it is JSON, else returns the text; undefined when empty. */
export function parseOutput(text: string): unknown {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  try {
    return JSON.parse(trimmed) as unknown
  } catch {
    return trimmed
  }
}
