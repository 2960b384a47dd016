/** The SSE parser on the byte streams upstreams really send, cut at every possible place. */
import { describe, expect, it } from 'vitest'
import { SseParser } from './sse'

const enc = new TextEncoder()

function parseInPieces(stream: string, cut: (bytes: Uint8Array) => Uint8Array[]): string[] {
  const p = new SseParser()
  const out: string[] = []
  for (const piece of cut(enc.encode(stream))) out.push(...p.push(piece))
  out.push(...p.end())
  return out
}

const whole = (b: Uint8Array) => [b]
const bytewise = (b: Uint8Array) => Array.from(b, (x) => Uint8Array.of(x))
const everySplit = (b: Uint8Array) =>
  Array.from({ length: b.length + 1 }, (_, i) => [b.subarray(0, i), b.subarray(i)])

describe('SseParser', () => {
  const events = ['{"a":1}', '{"text":"héllo 🦊"}', '{"b":[1,2]}']

  it('yields every data payload of an LF stream, whole, byte by byte and cut anywhere (fails if events split across reads are lost or a UTF-8 character is broken)', () => {
    const stream = events.map((e) => `data: ${e}\n\n`).join('') + 'data: [DONE]\n\n'
    expect(parseInPieces(stream, whole)).toEqual(events)
    expect(parseInPieces(stream, bytewise)).toEqual(events)
    for (const pieces of everySplit(enc.encode(stream))) {
      expect(parseInPieces(stream, () => pieces)).toEqual(events)
    }
  })

  it('handles CRLF line ends, cut anywhere (fails if a Windows-style server stalls the stream)', () => {
    const stream = events.map((e) => `data: ${e}\r\n\r\n`).join('')
    expect(parseInPieces(stream, whole)).toEqual(events)
    for (const pieces of everySplit(enc.encode(stream))) {
      expect(parseInPieces(stream, () => pieces)).toEqual(events)
    }
  })

  it('joins multi-line data, skips comments and other fields, and takes "data:" without a space (fails on spec-valid streams)', () => {
    const stream =
      ': keep-alive\n\n' +
      'event: message\nid: 7\ndata: {"x":\ndata: 1}\n\n' +
      'data:{"y":2}\n\n' +
      'retry: 1000\n\n'
    expect(parseInPieces(stream, whole)).toEqual(['{"x":\n1}', '{"y":2}'])
  })

  it('ignores a byte-order mark at the start, even when it arrives byte by byte (fails if the first event is dropped)', () => {
    const stream = '\ufeffdata: {"a":1}\n\ndata: {"b":"\ufeff"}\n\n'
    expect(parseInPieces(stream, whole)).toEqual(['{"a":1}', '{"b":"\ufeff"}'])
    expect(parseInPieces(stream, bytewise)).toEqual(['{"a":1}', '{"b":"\ufeff"}'])
  })

  it('stops at [DONE] and ignores anything after it (fails if trailing bytes become events)', () => {
    const p = new SseParser()
    expect(p.push('data: {"a":1}\n\ndata: [DONE]\n\ndata: {"late":1}\n\n')).toEqual(['{"a":1}'])
    expect(p.done).toBe(true)
    expect(p.push('data: {"more":1}\n\n')).toEqual([])
    expect(p.end()).toEqual([])
  })

  it('a last event without its blank line is still delivered at the end (fails if the final chunk of an abrupt server is lost)', () => {
    const p = new SseParser()
    expect(p.push('data: {"a":1}\n\ndata: {"b":2}')).toEqual(['{"a":1}'])
    expect(p.end()).toEqual(['{"b":2}'])
  })
})
