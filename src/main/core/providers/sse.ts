/**
 * Yields the `data:` payloads of a server-sent-event stream, ending at `[DONE]` or the stream's
 * end. Handles events split across chunks, CRLF line ends and multi-line data fields.
 */
export async function* parseSseStream(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    let sep: number
    while ((sep = findEventEnd(buffer)) >= 0) {
      const raw = buffer.slice(0, sep)
      buffer = buffer.slice(sep).replace(/^(\r?\n){2}/, '')
      const data = eventData(raw)
      if (data === undefined) continue
      if (data === '[DONE]') return
      yield data
    }
  }
  const data = eventData(buffer + decoder.decode())
  if (data !== undefined && data !== '[DONE]') yield data
}

function findEventEnd(buffer: string): number {
  const lf = buffer.indexOf('\n\n')
  const crlf = buffer.indexOf('\r\n\r\n')
  if (lf < 0) return crlf
  if (crlf < 0) return lf
  return Math.min(lf, crlf)
}

function eventData(raw: string): string | undefined {
  const lines: string[] = []
  for (const line of raw.split(/\r?\n/)) {
    if (line.startsWith('data:')) lines.push(line.slice(line[5] === ' ' ? 6 : 5))
  }
  return lines.length > 0 ? lines.join('\n') : undefined
}
