/**
 * @module Helpers shared by the functions tests (not imported by production code).
 */
import type { SecretLookup } from '../engine/ports'
import type { FunctionContext } from './types'

/** The value of `$secrets.api.TOKEN` in tests; asserted never to appear in error messages. */
export const TEST_SECRET = 'tok-9f8e7d'
/** A secret store with `api.TOKEN` only. */
export const testSecrets: SecretLookup = {
  get: (name, variable) => (name === 'api' && variable === 'TOKEN' ? TEST_SECRET : undefined)
}

/** A function context with the given variables. */
export function testContext(
  vars: Record<string, unknown> = {},
  baseDir = process.cwd()
): FunctionContext {
  return { vars, secrets: testSecrets, baseDir }
}
