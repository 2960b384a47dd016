/**
 * The redacting provider on its own, for the shapes the end-to-end property test does not send:
 * a legacy `function_call` streamed in pieces, a completions stream that ends without a finish
 * reason, a non-AppError failure, and the no-secrets case (the provider itself, no wrapper).
 */
import { describe, expect, it } from 'vitest'
import { AppError } from '../errors'
import { createRedactor, REDACTED } from '../secrets/redact'
import type { EndpointProvider, Provider, StreamDelta } from './ports'
import { redactingProvider } from './redacting-provider'

const KEY = 'sk-unit-0123456789'
const redact = createRedactor([KEY])

/** A provider that streams the given deltas and endpoint events, then ends or fails. */
function fake(
  deltas: StreamDelta[],
  events: string[] = [],
  fail?: unknown
): Provider & EndpointProvider {
  return {
    id: 'fake',
    chat: () => Promise.reject(fail ?? new Error('unused')),
    async stream(_req, onDelta) {
      for (const d of deltas) await onDelta(d)
      if (fail) throw fail
      return { finishReason: 'stop' }
    },
    async endpoint(_req, onEvent) {
      for (const e of events) await onEvent?.(e)
      if (fail) throw fail
      return undefined
    }
  }
}

async function streamed(p: Provider): Promise<StreamDelta[]> {
  const out: StreamDelta[] = []
  await p.stream({ model: 'm', messages: [], params: {} }, (d) => void out.push(d))
  return out
}

describe('redactingProvider', () => {
  it('holds back a legacy function call’s arguments so a key split across pieces is hidden (fails if each piece is redacted alone)', async () => {
    const p = redactingProvider(
      fake([
        { functionCall: { name: 'f', arguments: `{"k":"${KEY.slice(0, 7)}` } },
        { functionCall: { arguments: `${KEY.slice(7)}"}` } }
      ]),
      redact,
      [KEY]
    )
    const args = (await streamed(p)).map((d) => d.functionCall?.arguments ?? '').join('')
    expect(args).toBe(`{"k":"${REDACTED}"}`)
  })

  it('passes whole tool calls (no index) redacted, id, name and arguments', async () => {
    const p = redactingProvider(
      fake([
        {
          toolCalls: [{ id: `c-${KEY}`, type: 'function', function: { name: KEY, arguments: KEY } }]
        }
      ]),
      redact,
      [KEY]
    )
    expect(JSON.stringify(await streamed(p))).not.toContain(KEY)
  })

  it('sends a completions text held back at the end as one more event when no finish reason came', async () => {
    const events = [
      JSON.stringify({ id: 'x', choices: [{ index: 0, text: `a ${KEY.slice(0, 5)}` }] }),
      JSON.stringify({ id: 'x', choices: [{ index: 0, text: `${KEY.slice(5)} b` }] })
    ]
    const p = redactingProvider(fake([], events), redact, [KEY]) as Provider & EndpointProvider
    const seen: string[] = []
    await p.endpoint({ path: 'completions', body: {} }, (e) => void seen.push(e))
    const text = seen
      .map((e) => (JSON.parse(e) as { choices: { text: string }[] }).choices[0]?.text)
      .join('')
    expect(text).toBe(`a ${REDACTED} b`)
  })

  it('redacts a plain Error that shows the key, and keeps an AppError’s param and upstream code hidden too', async () => {
    const plain = redactingProvider(fake([], [], new Error(`socket to ${KEY}`)), redact, [KEY])
    const e1 = await plain.chat({ model: 'm', messages: [], params: {} }).catch((e: unknown) => e)
    expect(e1).toBeInstanceOf(AppError)
    expect(String((e1 as Error).message)).not.toContain(KEY)
    const refused = new AppError('upstream_rejected', `no ${KEY}`, {
      param: KEY,
      upstream: { status: 400, code: KEY, type: KEY },
      cause: new Error(KEY)
    })
    const app = redactingProvider(fake([], [], refused), redact, [KEY])
    const e2 = await streamed(app).catch((e: unknown) => e)
    expect(e2).toBeInstanceOf(AppError)
    const body = JSON.stringify((e2 as AppError).toBody())
    expect(body).not.toContain(KEY)
    expect((e2 as AppError).status).toBe(400)
    expect((e2 as AppError).cause).toBeUndefined()
  })
})
