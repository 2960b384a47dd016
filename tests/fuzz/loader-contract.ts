/** The composition loader's contract, checked by the loader fuzz tests and the corpus replay. */
import { expect } from 'vitest'
import type { ValidationResult } from '../../src/shared/config/validate'

/**
 * The loader's contract: a composition, or at least one error; every diagnostic has a code, a
 * message and a 1-based line and column.
 */
export function checkValidation(_text: string, result: ValidationResult): void {
  for (const d of result.diagnostics) {
    const where = `${d.code} "${d.message}" at ${d.line}:${d.column}`
    expect(['error', 'warning'], where).toContain(d.severity)
    expect(d.code, where).toMatch(/^[a-z][a-z-]*$/)
    expect(d.message.trim().length, where).toBeGreaterThan(0)
    expect(Number.isInteger(d.line) && d.line >= 1, where).toBe(true)
    expect(Number.isInteger(d.column) && d.column >= 1, where).toBe(true)
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error')
  if (result.ok) {
    expect(errors).toEqual([])
    expect(result.composition).toBeDefined()
  } else {
    expect(errors.length).toBeGreaterThan(0)
  }
}
