import type { FastifyInstance } from 'fastify'

export interface Listening {
  url: string
  host: string
  port: number
  close(): Promise<void>
}

/** Binds the app (port 0 picks a free port) and reports the real address. */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<Listening> {
  await app.listen({ host, port })
  const addr = app.server.address()
  const realPort = typeof addr === 'object' && addr ? addr.port : port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return { url: `http://${shownHost}:${realPort}`, host, port: realPort, close: () => app.close() }
}
