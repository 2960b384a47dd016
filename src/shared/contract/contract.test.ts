/**
 * The contract's own rules: route and event names in `domain.snake_case`, and no secrets.* output
 * able to carry a value (no `value` field, nothing open-ended like unknown or a record).
 */
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { EVENTS } from './events'
import { ROUTES } from './routes'

/** Every object key and open-ended node reachable in a schema. */
function walk(schema: z.ZodType, keys: string[], open: string[], at = '$'): void {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })
    ._zod.def
  switch (def.type) {
    case 'object':
      for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        keys.push(key)
        walk(child, keys, open, `${at}.${key}`)
      }
      break
    case 'array':
      walk(def.element as z.ZodType, keys, open, `${at}[]`)
      break
    case 'optional':
    case 'nullable':
    case 'default':
      walk(def.innerType as z.ZodType, keys, open, at)
      break
    case 'union':
      for (const option of def.options as z.ZodType[]) walk(option, keys, open, at)
      break
    case 'unknown':
    case 'any':
    case 'record':
      open.push(at)
      break
  }
}

describe('control contract', () => {
  it('names every route and event domain.snake_case', () => {
    for (const name of Object.keys(ROUTES)) expect(name).toMatch(/^[a-z]+\.[a-z]+(_[a-z]+)*$/)
    for (const name of Object.keys(EVENTS)) expect(name).toMatch(/^[a-z]+(\.[a-z]+(_[a-z]+)*)?$/)
    expect(Object.keys(ROUTES)).toHaveLength(49)
  })

  it('gives no secrets.* output a place for a value', () => {
    const secretRoutes = Object.entries(ROUTES).filter(([name]) => name.startsWith('secrets.'))
    expect(secretRoutes.map(([name]) => name).sort()).toEqual([
      'secrets.delete',
      'secrets.list',
      'secrets.set',
      'secrets.sources'
    ])
    for (const [name, def] of secretRoutes) {
      const keys: string[] = []
      const open: string[] = []
      walk(def.output, keys, open)
      expect(keys.length, name).toBeGreaterThan(0)
      expect(
        keys.filter((k) => /value|plain/i.test(k)),
        name
      ).toEqual([])
      expect(open, name).toEqual([])
    }
    const event: string[] = []
    walk(EVENTS['secret.changed'], event, [])
    expect(event).toEqual(['name', 'state'])
  })

  it('returns an app token only from access.create, once (lists carry a hint)', () => {
    const withToken = Object.entries(ROUTES)
      .filter(([, def]) => {
        const keys: string[] = []
        walk(def.output, keys, [])
        return keys.includes('token')
      })
      .map(([name]) => name)
    expect(withToken).toEqual(['access.create'])
  })
})
