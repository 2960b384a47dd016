import type { FastifyInstance } from 'fastify'

export interface Listening {
  url: string
  host: string
  port: number
  /** Stops accepting, waits up to `graceMs` for requests in flight, then closes all connections. */
  close(graceMs?: number): Promise<void>
}

/** Binds the app (port 0 picks a free port) and reports the real address. */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<Listening> {
  await app.listen({ host, port })
  const addr = app.server.address()
  const realPort = typeof addr === 'object' && addr ? addr.port : port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${realPort}`,
    host,
    port: realPort,
    async close(graceMs = 2000) {
      // Requests in flight get a grace period; then every connection is closed, including
      // keep-alive connections that never sent a request (which server.close() waits for).
      const force = setTimeout(() => app.server.closeAllConnections(), graceMs)
      await app.close()
      clearTimeout(force)
    }
  }
}
