/** @module The OpenAI-compatible server's state and its start/stop routes. */
import { z } from 'zod'
import { NoInput, defineRoutes, route } from './define'

export const ServerStateSchema = z.object({
  state: z.enum(['stopped', 'starting', 'running', 'stopping', 'error']),
  /** `http://127.0.0.1:PORT` while running, else null. */
  url: z.string().nullable(),
  host: z.string().nullable(),
  port: z.number().int().nullable(),
  startedAt: z.number().nullable(),
  error: z.string().nullable()
})
export type ServerState = z.infer<typeof ServerStateSchema>

export const serverRoutes = defineRoutes('server', {
  'server.status': route(NoInput, ServerStateSchema),
  /** Starts on the settings' host and port unless given here. */
  'server.start': route(
    z
      .strictObject({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65_535).optional()
      })
      .default({}),
    ServerStateSchema
  ),
  'server.stop': route(NoInput, ServerStateSchema)
})
