/**
 * Splits a server-sent-event byte stream into `data:` payloads. Handles events split across
 * chunks, CRLF line ends and multi-line data fields; `[DONE]` ends the stream.
 */
import { StringDecoder } from 'node:string_decoder'

export class SseParser {
  private buffer = ''
  /** Node's decoder: a UTF-8 character split across chunks is kept for the next one, like
   * TextDecoder's `stream` mode, at a fraction of its per-call cost (docs/performance.md). */
  private readonly decoder = new StringDecoder('utf8')
  private started = false
  /** Set once `data: [DONE]` was seen. */
  done = false

  /**
   * The complete events' payloads in this chunk. Read-only: most chunks carry one event, and a
   * one-element literal (or the shared empty list) spares a growing array per chunk.
   */
  push(chunk: Uint8Array | string): readonly string[] {
    if (this.done) return NO_EVENTS
    let text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk)
    if (!this.started && text !== '') {
      // The SSE spec ignores a byte-order mark at the start of the stream.
      this.started = true
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    const buffer = this.buffer === '' ? text : this.buffer + text
    let out: string[] | undefined
    // Most servers end lines with LF only: look for CRLF event ends only when a CR was sent.
    const hasCr = buffer.includes('\r')
    let start = 0
    for (;;) {
      const lf = buffer.indexOf('\n\n', start)
      const crlf = hasCr ? buffer.indexOf('\r\n\r\n', start) : -1
      const end = lf < 0 ? crlf : crlf < 0 ? lf : Math.min(lf, crlf)
      if (end < 0) break
      const data = eventData(buffer.slice(start, end))
      start = end + (end === crlf ? 4 : 2)
      if (data === undefined) continue
      if (data === '[DONE]') {
        this.done = true
        break
      }
      if (out) out.push(data)
      else out = [data]
    }
    this.buffer = this.done || start === buffer.length ? '' : buffer.slice(start)
    return out ?? NO_EVENTS
  }

  /** A last event not followed by a blank line. */
  end(): string[] {
    const data = this.done ? undefined : eventData(this.buffer + this.decoder.end())
    this.buffer = ''
    return data !== undefined && data !== '[DONE]' ? [data] : []
  }
}

// Not frozen: a frozen array takes a slower path in the callers' for-of loops.
const NO_EVENTS: readonly string[] = []

function eventData(raw: string): string | undefined {
  // Fast path: a single `data: …` line, which is what every OpenAI-compatible server sends.
  if (raw.startsWith('data: ') && raw.indexOf('\n') < 0) return raw.slice(6)
  const lines: string[] = []
  for (const line of raw.split(/\r?\n/)) {
    if (line.startsWith('data:')) lines.push(line.slice(line[5] === ' ' ? 6 : 5))
  }
  return lines.length > 0 ? lines.join('\n') : undefined
}

/** Yields the `data:` payloads of a whole stream (used where a generator is convenient). */
export async function* parseSseStream(
  body: AsyncIterable<Uint8Array | string>
): AsyncGenerator<string> {
  const parser = new SseParser()
  for await (const chunk of body) {
    yield* parser.push(chunk)
    if (parser.done) return
  }
  yield* parser.end()
}
