/**
 * The in-flight list on its own: what shutdown relies on (the count, the idle wait, cancelling
 * every request) with entries leaving in any order, twice, or while they are being cancelled.
 * The routes' use of it is tested end to end in shutdown.test.ts and admission.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { Cancellation } from '../cancel'
import { InFlight } from './in-flight'

describe('InFlight', () => {
  it('counts requests as they join and leave in any order; leaving twice changes nothing', () => {
    const list = new InFlight()
    const entries = [0, 1, 2, 3].map(() => list.add(new Cancellation()))
    expect(list.size).toBe(4)
    list.delete(entries[1]!) // the middle
    list.delete(entries[3]!) // the newest (the head)
    list.delete(entries[3]!)
    expect(list.size).toBe(2)
    list.delete(entries[0]!) // the oldest (the tail)
    list.delete(entries[2]!)
    expect(list.size).toBe(0)
    list.delete(entries[2]!)
    expect(list.size).toBe(0)
  })

  it('cancels every request still in flight, even when a cancel ends its request at once', () => {
    const list = new InFlight()
    const runs = [0, 1, 2, 3, 4].map(() => new Cancellation())
    const entries = runs.map((r) => list.add(r))
    // A request that leaves the list as soon as it is cancelled (its response closes).
    runs.forEach((r, i) => r.addEventListener('abort', () => list.delete(entries[i]!)))
    list.abortAll()
    expect(runs.every((r) => r.aborted)).toBe(true)
    expect(runs.map((r) => (r.reason as { code?: string }).code)).toEqual(Array(5).fill('shutdown'))
    expect(list.size).toBe(0)
  })

  it('idle() resolves when the last request leaves, not before', async () => {
    const list = new InFlight()
    const a = list.add(new Cancellation())
    const b = list.add(new Cancellation())
    let idle = false
    const waiting = list.idle(60_000).then(() => (idle = true))
    list.delete(b)
    await Promise.resolve()
    expect(idle).toBe(false)
    list.delete(a)
    await waiting
    expect(idle).toBe(true)
    // Nothing in flight: at once.
    await expect(list.idle(60_000)).resolves.toBeUndefined()
  })

  it('admits up to the limit and refuses while draining', () => {
    const list = new InFlight()
    list.admit(2)
    list.admit(2)
    expect(() => list.admit(2)).toThrow(/too many requests in flight \(limit 2\)/)
    list.release()
    list.admit(2)
    list.draining = true
    expect(() => list.admit(2)).toThrow(/shutting down/)
  })
})
