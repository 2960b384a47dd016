/**
 * dispatch: the one path every control request takes. Catches a handler's error losing its code,
 * bad input reaching a handler, a result leaking fields beyond the contract (a secret's value),
 * and stacks crossing the boundary.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { statusOf } from '../../shared/contract/errors'
import {
  type ControlFixture,
  controlFixture,
  ctx,
  echoComposition
} from '../../../tests/support/control-services'
import { dispatch } from './dispatch'

const fixtures: ControlFixture[] = []
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.close()
})

/** The real handlers over an in-memory store, serving nothing yet. */
function setup() {
  const fixture = controlFixture()
  fixtures.push(fixture)
  return fixture.handlers
}

const TEXT = echoComposition('http://127.0.0.1:9')

describe('dispatch', () => {
  it('runs the handler with the parsed input, defaults filled in', async () => {
    const handlers = setup()
    const saved = await dispatch(
      handlers,
      'pipelines.save',
      { name: 'a', text: TEXT, format: 'json' },
      ctx
    )
    expect(saved).toEqual({ ok: true, data: { name: 'a', version: 1, diagnostics: [] } })
    // `pipelines.list` takes no input: undefined is fine.
    const list = await dispatch(handlers, 'pipelines.list', undefined, ctx)
    expect(list.ok && list.data).toMatchObject({ pipelines: [{ name: 'a', version: 1 }] })
  })

  it('refuses bad input with the issue path, before the handler runs', async () => {
    const handlers = setup()
    const out = await dispatch(
      handlers,
      'chat.start',
      { pipeline: 'a', messages: [{ role: 'robot' }] },
      ctx
    )
    expect(out.ok).toBe(false)
    if (out.ok) return
    expect(out.error.code).toBe('invalid_request')
    expect(out.error.message).toContain('messages.0.role')
    expect(out.error.details?.issues).toEqual([
      expect.objectContaining({ path: ['messages', 0, 'role'] })
    ])
    // Unknown keys are refused too (strict inputs).
    const extra = await dispatch(handlers, 'secrets.delete', { name: 'K', force: true }, ctx)
    expect(!extra.ok && extra.error.code).toBe('invalid_request')
  })

  it('answers not_found for an unknown route, including Object.prototype names', async () => {
    for (const route of ['pipelines.nope', 'toString', '__proto__', 42]) {
      const out = await dispatch(setup(), route, {}, ctx)
      expect(!out.ok && out.error.code).toBe('not_found')
    }
  })

  it("keeps an AppError's code (and its HTTP status) and a ControlFailure's details", async () => {
    const handlers = setup()
    const missing = await dispatch(handlers, 'pipelines.get', { name: 'ghost' }, ctx)
    expect(missing).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'no pipeline named "ghost"' }
    })
    expect(statusOf('not_found')).toBe(404)
    const bad = await dispatch(
      handlers,
      'pipelines.save',
      { name: 'a', text: ' ', format: 'json' },
      ctx
    )
    expect(!bad.ok && bad.error).toMatchObject({
      code: 'invalid_request',
      details: { diagnostics: [{ code: 'syntax', line: 1, column: 2 }] }
    })
  })

  it('turns an unexpected throw into internal_error without a stack', async () => {
    const seen: unknown[] = []
    const handlers = {
      ...setup(),
      'settings.get': async () => {
        throw new TypeError('boom')
      }
    }
    const out = await dispatch(handlers, 'settings.get', {}, ctx, {
      onError: (err) => seen.push(err)
    })
    expect(out).toEqual({
      ok: false,
      error: { code: 'internal_error', message: 'internal error: boom' }
    })
    expect(JSON.stringify(out)).not.toContain('at ')
    expect(seen).toHaveLength(1)
  })

  it("strips what a handler returns beyond the contract: a secret's value never leaves", async () => {
    const real = setup()
    // A handler that lets the value ride along: dispatch's output parse must strip it.
    const leaky = {
      ...real,
      'secrets.set': async (input: { name: string; value: string }, c: typeof ctx) =>
        ({ ...(await real['secrets.set'](input, c)), value: input.value }) as never
    }
    const out = await dispatch(
      leaky,
      'secrets.set',
      { name: 'openai.API_KEY', value: 'hunter2' },
      ctx
    )
    expect(out.ok).toBe(true)
    expect(JSON.stringify(out)).not.toContain('hunter2')
  })

  it('refuses a result outside the output schema', async () => {
    const handlers = { ...setup(), 'server.status': async () => ({ state: 'dancing' }) as never }
    const out = await dispatch(handlers, 'server.status', {}, ctx)
    expect(!out.ok && out.error.code).toBe('internal_error')
  })
})
