/**
 * A real REST endpoint for hook tests: records each call (path, headers, JSON body) and answers
 * with `reply(call)` (status 200 with `{}` unless told otherwise).
 */
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HookCall {
  path: string
  headers: IncomingHttpHeaders
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON bodies
  body: any
}

/** Starts the endpoint on a free loopback port. */
export async function hookServer(
  reply: (call: HookCall) => { status?: number; body?: unknown; delayMs?: number } = () => ({
    body: {}
  })
): Promise<{ url: string; calls: HookCall[]; server: Server; close(): Promise<void> }> {
  const calls: HookCall[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const text = Buffer.concat(chunks).toString()
    const call = {
      path: req.url ?? '',
      headers: req.headers,
      body: text ? JSON.parse(text) : undefined
    }
    calls.push(call)
    const r = reply(call)
    if (r.delayMs) await new Promise((done) => setTimeout(done, r.delayMs))
    const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? {})
    res
      .writeHead(r.status ?? 200, {
        'content-type': typeof r.body === 'string' ? 'text/plain' : 'application/json'
      })
      .end(body)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    server,
    async close() {
      server.closeAllConnections()
      server.close()
    }
  }
}
