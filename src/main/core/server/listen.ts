import type { FastifyInstance } from 'fastify'
import type { InFlight } from './in-flight'

/** How long requests cancelled at the end of the grace get to send their error and `[DONE]`. */
const ABORT_BOUND_MS = 2000

export interface Listening {
  url: string
  host: string
  port: number
  /**
   * Drains: stops accepting (new requests on open connections get 503 `shutdown`), lets requests
   * in flight finish within `graceMs`, then ends each of those left with a `shutdown` error (an
   * SSE error event and `[DONE]`, or a 503) and closes every connection.
   */
  close(graceMs?: number): Promise<void>
}

/** Binds the app (port 0 picks a free port) and reports the real address. */
export async function listen(
  app: FastifyInstance,
  inflight: InFlight,
  host: string,
  port: number
): Promise<Listening> {
  await app.listen({ host, port })
  const addr = app.server.address()
  const realPort = typeof addr === 'object' && addr ? addr.port : port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${realPort}`,
    host,
    port: realPort,
    async close(graceMs = 2000) {
      inflight.draining = true
      // Stop listening now, not after Fastify's onClose hooks: a new connection is refused at once.
      // This also closes idle keep-alive connections; busy ones get 503 for their next request.
      app.server.close()
      const closed = app.close()
      await inflight.idle(graceMs)
      if (inflight.size > 0) {
        inflight.abortAll()
        await inflight.idle(ABORT_BOUND_MS)
      }
      // What is left is idle or stuck (a request whose body never came): server.close() would
      // wait for those.
      app.server.closeAllConnections()
      await closed
    }
  }
}
