import { describe, expect, it } from 'vitest'
import type { ControlClient } from '../../../shared/contract/client'
import { createPlatform } from '.'
import { isUnknownRoute } from './client'

describe('platform choice', () => {
  it('uses preload’s window.api when present, and passes unknown routes through it', async () => {
    const calls: unknown[][] = []
    const api = {
      request: async (...args: unknown[]) => {
        calls.push(args)
        return { ok: false, error: { code: 'not_found', message: 'unknown route "access.list"' } }
      },
      on: () => () => {}
    } as unknown as ControlClient
    const p = createPlatform({ api })
    expect(p.kind).toBe('ipc')
    const res = await p.requestUnknown('access.list', { a: 1 })
    expect(calls).toEqual([['access.list', { a: 1 }]])
    expect(!res.ok && isUnknownRoute(res.error)).toBe(true)
  })

  it('uses HTTP in a browser page without preload', () => {
    expect(createPlatform({}).kind).toBe('http')
  })

  it('tells a missing route from a missing resource', () => {
    expect(isUnknownRoute({ code: 'not_found', message: 'no route for POST /api/x' })).toBe(true)
    expect(isUnknownRoute({ code: 'not_found', message: 'no pipeline named "a"' })).toBe(false)
  })
})
