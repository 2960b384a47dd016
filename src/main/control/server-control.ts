/**
 * @module Starts and stops the runtime's HTTP server on request (the tray, the UI, settings) and
 * keeps its state for `server.status` and the `server.state` event.
 */
import type { FastifyInstance } from 'fastify'
import type { ServerState } from '../../shared/contract/server'
import type { Authorizer } from '../core/server/app'
import type { Listening } from '../core/server/listen'
import type { EventHub } from './events'

/**
 * The server that {@link ServerControl} starts and stops: the runtime's (runtime.ts's `Runtime`
 * is one). Declared here so that the control layer does not import the composition root.
 */
export interface ServerHost {
  readonly server: Listening | undefined
  listen(
    port: number,
    opts: {
      host: string
      corsOrigins?: readonly string[]
      extend?: (app: FastifyInstance) => void | Promise<void>
      authorize?: Authorizer
    }
  ): Promise<Listening>
  closeServer(graceMs?: number): Promise<void>
}

export interface ServerControlOptions {
  runtime: ServerHost
  hub: EventHub
  /** Where to listen when `start` is given nothing (the settings). */
  defaults: () => { host: string; port: number; corsOrigins?: readonly string[] }
  /** Adds the control API and the UI to each new server. */
  extend?: (app: FastifyInstance) => void | Promise<void>
  /** Per-app access on `/v1`. */
  authorize?: Authorizer
}

const STOPPED: ServerState = {
  state: 'stopped',
  url: null,
  host: null,
  port: null,
  startedAt: null,
  error: null
}

export class ServerControl {
  private current: ServerState = STOPPED
  private busy: Promise<ServerState> | undefined

  constructor(private readonly opts: ServerControlOptions) {}

  status(): ServerState {
    return this.current
  }

  /** Starts listening (joined with a start or stop under way). */
  start(at: { host?: string; port?: number } = {}): Promise<ServerState> {
    return this.serial(async () => {
      if (this.opts.runtime.server) return this.current
      const host = at.host ?? this.opts.defaults().host
      const port = at.port ?? this.opts.defaults().port
      this.set({ ...STOPPED, state: 'starting', host, port })
      try {
        const s = await this.opts.runtime.listen(port, {
          host,
          // Read at each start: a change in settings applies when the server next starts.
          corsOrigins: this.opts.defaults().corsOrigins,
          extend: this.opts.extend,
          authorize: this.opts.authorize
        })
        return this.set({
          state: 'running',
          url: s.url,
          host: s.host,
          port: s.port,
          startedAt: Date.now(),
          error: null
        })
      } catch (err) {
        const reason =
          (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use: choose another port in settings`
            : (err as Error).message
        return this.set({ ...STOPPED, state: 'error', host, port, error: reason })
      }
    })
  }

  /** Stops listening, draining requests in flight for `graceMs`. */
  stop(graceMs = 2000): Promise<ServerState> {
    return this.serial(async () => {
      if (!this.opts.runtime.server) return this.set(STOPPED)
      this.set({ ...this.current, state: 'stopping' })
      await this.opts.runtime.closeServer(graceMs)
      return this.set(STOPPED)
    })
  }

  private serial(fn: () => Promise<ServerState>): Promise<ServerState> {
    const next = (this.busy ?? Promise.resolve(this.current)).then(fn, fn)
    this.busy = next
    return next
  }

  private set(state: ServerState): ServerState {
    this.current = state
    this.opts.hub.emit('server.state', state)
    return state
  }
}
