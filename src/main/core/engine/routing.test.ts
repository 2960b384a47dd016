import { describe, expect, it } from 'vitest'
import type { ArchitectureNode } from '../../../shared/config/schema'
import { parseRouteAnswer, routingMessages, routingSystemPrompt } from './routing'

const NAMES = ['sales', 'support', 'output']

describe('parseRouteAnswer', () => {
  it('reads {"route": …}, the form constrained decoding produces (fails if JSON answers are not parsed)', () => {
    expect(parseRouteAnswer('{"route": "support"}', NAMES)).toBe('support')
    expect(parseRouteAnswer('Sure! {"route":"sales"} is my pick', NAMES)).toBe('sales')
    // other common keys small models use
    expect(parseRouteAnswer('{"handler": "support"}', NAMES)).toBe('support')
  })

  it('a JSON route with different case or stray quotes still matches (fails if JSON values must be exact)', () => {
    expect(parseRouteAnswer('{"route": "SUPPORT"}', NAMES)).toBe('support')
    expect(parseRouteAnswer('{"route": "\\"sales\\"."}', NAMES)).toBe('sales')
  })

  it('an exact bare name matches (fails if plain answers are rejected)', () => {
    expect(parseRouteAnswer('sales', NAMES)).toBe('sales')
    expect(parseRouteAnswer('  support\n', NAMES)).toBe('support')
  })

  it('matches case-insensitively (fails if "Sales" from a model is not accepted)', () => {
    expect(parseRouteAnswer('Sales', NAMES)).toBe('sales')
    expect(parseRouteAnswer('SUPPORT', NAMES)).toBe('support')
  })

  it('accepts quoted, bold and punctuated names (fails if decoration breaks matching)', () => {
    expect(parseRouteAnswer('"sales"', NAMES)).toBe('sales')
    expect(parseRouteAnswer("'support'.", NAMES)).toBe('support')
    expect(parseRouteAnswer('**Support**', NAMES)).toBe('support')
    expect(parseRouteAnswer('`sales`', NAMES)).toBe('sales')
  })

  it('finds a whole-word mention in a sentence (fails if free-text routers cannot be understood)', () => {
    expect(parseRouteAnswer('I would send this to support, since it is a bug report.', NAMES)).toBe(
      'support'
    )
    expect(parseRouteAnswer('The best handler is "sales".', NAMES)).toBe('sales')
  })

  it('the longest mentioned name wins: "expert-2" is not read as "expert" (fails on substring matching)', () => {
    const names = ['expert', 'expert-2']
    expect(parseRouteAnswer('expert-2', names)).toBe('expert-2')
    expect(parseRouteAnswer('Route to expert-2 please', names)).toBe('expert-2')
    expect(parseRouteAnswer('Route to expert please', names)).toBe('expert')
    // both mentioned: the longer, more specific name wins
    expect(parseRouteAnswer('not expert but expert-2', names)).toBe('expert-2')
  })

  it('does not match a name inside another word (fails on the original substring match)', () => {
    expect(parseRouteAnswer('wholesales are up', ['sales', 'billing'])).toBeUndefined()
    expect(parseRouteAnswer('superexpert', ['expert', 'other'])).toBeUndefined()
  })

  it('an ambiguous answer (two names of equal length) gives undefined (fails if the first one is guessed)', () => {
    expect(parseRouteAnswer('either math or code would do', ['math', 'code'])).toBeUndefined()
  })

  it('an answer naming no candidate, or an empty one, gives undefined (fails if a default is guessed)', () => {
    expect(parseRouteAnswer('I am not sure.', NAMES)).toBeUndefined()
    expect(parseRouteAnswer('', NAMES)).toBeUndefined()
    expect(parseRouteAnswer('   ', NAMES)).toBeUndefined()
    expect(parseRouteAnswer('{"route": "marketing"}', NAMES)).toBeUndefined()
  })

  it('strips <think>…</think> before matching (fails if reasoning text is matched)', () => {
    expect(
      parseRouteAnswer('<think>maybe sales? no, this is a bug</think>{"route": "support"}', NAMES)
    ).toBe('support')
    expect(parseRouteAnswer('<THINK>sales sales sales</THINK>\nsupport', NAMES)).toBe('support')
    // an unterminated think block hides everything after it
    expect(parseRouteAnswer('<think>the answer is support', NAMES)).toBeUndefined()
  })
})

const node = (name: string, useCase?: string, adapter = 'openai-api'): ArchitectureNode => ({
  name,
  adapter,
  ...(useCase ? { 'use-case': useCase } : {})
})

describe('routingMessages', () => {
  const candidates = [
    node('sales', 'Buying, pricing, quotes'),
    node('support', 'Bugs and outages'),
    node('output', undefined, 'output')
  ]

  it('puts the system prompt (instructions, then the candidates) first and the user text last (fails if the order breaks prefix reuse)', () => {
    const messages = routingMessages(candidates, 'My printer is on fire')
    expect(messages).toHaveLength(2)
    expect(messages[0]?.role).toBe('system')
    expect(messages.at(-1)).toEqual({ role: 'user', content: 'My printer is on fire' })
    const system = String(messages[0]?.content)
    const instructions = system.indexOf('You are a request router')
    const sales = system.indexOf('- "sales": Buying, pricing, quotes')
    const support = system.indexOf('- "support": Bugs and outages')
    expect(instructions).toBe(0)
    expect(sales).toBeGreaterThan(instructions)
    expect(support).toBeGreaterThan(sales)
    // an output node without a use-case is described, not left blank
    expect(system).toContain('- "output": finish and return the answer as it is')
    expect(system).toContain('Reply with the name of one handler only')
    // the user's text is never in the system prompt
    expect(system).not.toContain('printer')
  })

  it('the system prompt is byte-identical for two different user texts (fails if the prefix varies and the KV cache cannot be reused)', () => {
    const a = routingMessages(candidates, 'first question')
    const b = routingMessages(candidates, 'a completely different, much longer second question')
    expect(a[0]).toEqual(b[0])
    expect(String(a[0]?.content)).toBe(routingSystemPrompt(candidates))
    expect(a[1]?.content).not.toBe(b[1]?.content)
  })
})
