/**
 * @module The JSON Schema check of evaluation cases (`expect.json_schema`), with Ajv loaded on
 * first use and each schema compiled once.
 */
import { createRequire } from 'node:module'
import type Ajv2020 from 'ajv/dist/2020.js'
import type { JsonValidator } from '../../../shared/eval/score'

const load = createRequire(import.meta.url)

/** A validator that compiles each distinct schema once; a schema Ajv refuses is the failure reason. */
export function createJsonValidator(): JsonValidator {
  const { default: Ajv } = load('ajv/dist/2020.js') as { default: typeof Ajv2020 }
  const ajv = new Ajv({ strict: false, allErrors: false })
  const cache = new Map<string, ReturnType<typeof ajv.compile>>()
  return (schema, value) => {
    const key = JSON.stringify(schema)
    let check = cache.get(key)
    if (!check) {
      try {
        check = ajv.compile(schema)
      } catch (err) {
        return `the case's JSON Schema is invalid: ${(err as Error).message}`
      }
      cache.set(key, check)
    }
    if (check(value)) return undefined
    const e = check.errors?.[0]
    return e
      ? `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`
      : 'does not match the schema'
  }
}
