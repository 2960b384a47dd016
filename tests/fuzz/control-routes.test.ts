/**
 * Every control route's string fields, fed random and hostile strings over the real `/api`:
 * the answer is never a 5xx. A refusal is a 4xx naming the field, never
 * `internal_error` (bad model names on `models.delete` and `models.pull` answered 500). The
 * fields come from each route's own input schema, so a new route is covered without a test edit.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ROUTES, type RouteName } from '../../src/shared/contract/routes'
import { type AppRuntime, createAppRuntime } from '../../src/main/runtime'
import { type FakeOllama, startFakeOllama } from '../support/fake-ollama'
import { tempDir } from '../support/harness'
import { FUZZ_TEST_TIMEOUT, fuzzParams } from './fuzz-options'

type JsonSchema = {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  enum?: unknown[]
  anyOf?: JsonSchema[]
  items?: JsonSchema
  minItems?: number
  minimum?: number
  exclusiveMinimum?: number
  default?: unknown
  pattern?: string
}

/**
 * A value with only the schema's required fields, strings set to `fill` (numbers small, enums
 * each enum's `pick`-th), so a refusal is about the field the property changed.
 */
function sample(s: JsonSchema, fill: string, pick = 0): unknown {
  if (s.enum) return s.enum[pick % s.enum.length]
  if (s.anyOf) return sample(s.anyOf.find((a) => a.type !== 'null') ?? s.anyOf[0]!, fill, pick)
  switch (Array.isArray(s.type) ? s.type[0] : s.type) {
    case 'string':
      return fill
    case 'integer':
    case 'number':
      return Math.max(1, s.minimum ?? 0, (s.exclusiveMinimum ?? 0) + 1)
    case 'boolean':
      return false
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items ?? {}, fill, pick))
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(s.properties ?? {}))
        if (s.required?.includes(k))
          out[k] = sample(v, /\\\./.test(v.pattern ?? '') ? 'a.B' : fill, pick)
      return out
    }
    default:
      return null
  }
}

/** Paths of every string field (through objects and arrays' first item). */
function stringPaths(s: JsonSchema, at: (string | number)[] = []): (string | number)[][] {
  if (s.enum) return []
  if (s.anyOf) return s.anyOf.flatMap((a) => stringPaths(a, at))
  const type = Array.isArray(s.type) ? s.type[0] : s.type
  if (type === 'string') return [at]
  if (type === 'array' && s.items && (s.minItems ?? 0) > 0) return stringPaths(s.items, [...at, 0])
  if (type === 'object')
    return Object.entries(s.properties ?? {}).flatMap(([k, v]) => stringPaths(v, [...at, k]))
  return []
}

function setAt(target: unknown, path: (string | number)[], value: string): unknown {
  const copy = structuredClone(target) as Record<string | number, unknown>
  let node = copy
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string | number, unknown>
  node[path.at(-1)!] = value
  return copy
}

// Side effects a random string must not have here: stopping or moving the server under test.
const SKIP = new Set<RouteName>(['server.start'])

const hostile = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '.',
    '..',
    '../../etc/passwd',
    '/etc/passwd',
    'a/b',
    'C:\\Windows',
    'x'.repeat(5000),
    '\u0000',
    'hf:',
    'hf:a/b:c',
    'http://',
    'http://127.0.0.1:1/x.gguf',
    'file:///etc/passwd',
    'ollama:',
    ':latest',
    'a:b:c:d',
    '%2e%2e%2f',
    '{"a":1}',
    '$INPUT',
    '🙂'
  )
)

let app: AppRuntime
let ollama: FakeOllama
let remove = (): void => {}
beforeAll(async () => {
  // Ollama's routes reach a fake that answers as Ollama does (404 for an unknown model).
  ollama = await startFakeOllama()
  const tmp = tempDir('llmnet-control-fuzz-')
  remove = tmp.remove
  const catalogFile = path.join(tmp.dir, 'catalog.json')
  writeFileSync(
    catalogFile,
    JSON.stringify({
      models: [{ name: 'a', description: 'x', source: 'http://127.0.0.1:1/a.gguf', sizeBytes: 1 }]
    })
  )
  app = await createAppRuntime({
    dataDir: tmp.dir,
    // No network: a pull of a random source fails at once instead of trying the internet.
    env: {
      LLMNET_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
      HF_ENDPOINT: 'http://127.0.0.1:1',
      // A catalog of one model on an unreachable host: a pull of it fails at once.
      LLMNET_CATALOG: catalogFile,
      OLLAMA_HOST: ollama.url
    }
  })
  await app.start({ host: '127.0.0.1', port: 0 })
})
afterAll(async () => {
  await app?.stop({ graceMs: 100 })
  await ollama?.close()
  remove()
})

async function post(route: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${app.server.status().url}/api/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
    body: JSON.stringify(body)
  })
  return { status: res.status, json: await res.json() }
}

const routes = (Object.keys(ROUTES) as RouteName[])
  .filter((r) => !SKIP.has(r))
  .map((r) => {
    const schema = z.toJSONSchema(ROUTES[r].input, { io: 'input' }) as JsonSchema
    return { route: r, schema, paths: stringPaths(schema) }
  })
  .filter((r) => r.paths.length > 0)

describe('random strings in every control route’s string fields', () => {
  it('covers the routes that take names and sources', () => {
    const names = routes.map((r) => r.route)
    for (const r of ['models.delete', 'models.pull', 'models.load', 'pipelines.save'])
      expect(names).toContain(r)
  })

  it.each(routes)(
    '$route: never a 5xx; a 400 names the field',
    async ({ route, schema, paths }) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...paths),
          hostile,
          fc.nat(5),
          async (path, value, pick) => {
            const body = setAt(sample(schema, 'a', pick), path, value)
            const { status, json } = await post(route, body)
            const label = `${route} ${JSON.stringify(body).slice(0, 300)} -> ${status} ${JSON.stringify(json).slice(0, 300)}`
            // 503 is an Ollama that does not answer here: the input is not at fault, nor a bug.
            expect(status, label).not.toBe(500)
            const error = (json as { error?: { code: string; message: string } }).error
            expect(error?.code, label).not.toBe('internal_error')
            if (status === 400) {
              // A field by name (the one changed, or another the sampled body got wrong: a
              // sample of a patterned field need not match it), or for a pipeline's text the
              // diagnostics' line and column.
              const fields = new Set(
                paths.map((p) => String(p.filter((s) => typeof s === 'string').at(-1)))
              )
              const text = JSON.stringify(error)
              const named = [...fields].some((f) => text.includes(f)) || /"diagnostics"/.test(label)
              expect(named, `${label}: names one of ${[...fields].join(', ')}`).toBe(true)
            }
          }
        ),
        fuzzParams(12, 8_000)
      )
    },
    FUZZ_TEST_TIMEOUT
  )
})
