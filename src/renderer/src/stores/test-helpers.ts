/** Builders for store tests: a fake platform, stores over it, and sample contract values. */
import type { Trace } from '../../../shared/trace'
import { createFakePlatform, type FakeHandlers } from '../platform/fake-client'
import { createStores } from '.'

/** Every store over a fake platform answering `handlers`. */
export function setup(handlers: FakeHandlers = {}) {
  const platform = createFakePlatform(handlers)
  return { ...createStores(platform), platform }
}

/** Waits until `check` holds, re-checking after each turn of the event loop (bounded). */
export async function until(check: () => boolean, rounds = 200): Promise<void> {
  for (let i = 0; i < rounds && !check(); i++) await new Promise((r) => setTimeout(r, 0))
  if (!check()) throw new Error('condition never held')
}

/** A trace along `route`. */
export function trace(id: string, route: string[], extra: Partial<Trace> = {}): Trace {
  return {
    id,
    pipeline: 'p',
    stream: true,
    startedAt: 1,
    durationMs: 5,
    status: 'ok',
    route,
    hops: route.map((node) => ({ node, action: 'answer', startedAt: 1, durationMs: 1 })),
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    ...extra
  }
}
