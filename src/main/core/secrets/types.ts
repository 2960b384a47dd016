/**
 * @module The secrets interfaces shared by the loader, the engine, functions and the provider
 * resolver. Values are looked up by `<secret name>.<VARIABLE>`.
 */
import type { SecretLookup } from '../engine/ports'

export type { SecretLookup }

/** The app's encrypted secret store (built later); `store` secret sources read from it. */
export interface SecretStore {
  /** The value kept under `<name>.<VARIABLE>`, if any. */
  get(key: string): string | undefined
  /** Every key kept for a secret name (`<name>.` prefix), for sources that list no variables. */
  keys(name: string): string[]
}
