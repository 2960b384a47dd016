/**
 * @module A {@link SecretStore} held in a plain map: for tests, and for the headless CLI, which
 * has no encrypted store of its own.
 */
import type { SecretStore } from './types'

/** A secret store over a fixed map of `<name>.<VARIABLE>` → value. */
export class InMemorySecretStore implements SecretStore {
  private readonly entries: Map<string, string>

  /** @param values `<name>.<VARIABLE>` → value; copied, later changes to the object are not seen. */
  constructor(values: Record<string, string> = {}) {
    this.entries = new Map(Object.entries(values))
  }

  /** The value kept under `<name>.<VARIABLE>`, if any. */
  get(key: string): string | undefined {
    return this.entries.get(key)
  }

  /** Every full `<name>.<VARIABLE>` key kept for `name`, in insertion order. */
  keys(name: string): string[] {
    const prefix = `${name}.`
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix) && k.length > prefix.length)
  }

  /** Stores (or replaces) a value under `<name>.<VARIABLE>`. */
  set(key: string, value: string): void {
    this.entries.set(key, value)
  }
}
