/**
 * @module Lets node-llama-cpp test a llama.cpp binary from inside an Electron utility process.
 *
 * Before it loads a prebuilt binary (always on Linux, for GPU builds on Windows) node-llama-cpp
 * loads it in a throwaway child first. In a utility process it has no `utilityProcess.fork` (main
 * process only), so it calls `child_process.fork`, which in Electron re-runs the app binary with
 * `ELECTRON_RUN_AS_NODE`; the packaged app's `runAsNode` fuse is off, so that child starts as a
 * second app and the test fails ("no usable llama.cpp backend").
 *
 * The worker therefore replaces `child_process.fork` with {@link installForkRelay}: the fork is
 * asked of the parent over the parent port, and the parent ({@link serveForkRelay}, wired in the
 * shell's utility fork) starts node-llama-cpp's test module with `utilityProcess.fork`, the way
 * node-llama-cpp itself does it from a main process, and relays its messages and exit. Only that
 * test module may be started this way.
 */
import childProcess from 'node:child_process'
import { EventEmitter } from 'node:events'
import { syncBuiltinESMExports } from 'node:module'
import { basename } from 'node:path'

/** Messages of the relay; both directions carry `type: 'fork-relay'`. */
export type RelayMessage =
  | { type: 'fork-relay'; op: 'fork'; id: number; modulePath: string; env: Record<string, string> }
  | { type: 'fork-relay'; op: 'send'; id: number; message: unknown }
  | { type: 'fork-relay'; op: 'kill'; id: number }
  | { type: 'fork-relay'; op: 'message'; id: number; message: unknown }
  | { type: 'fork-relay'; op: 'exit'; id: number; code: number }

export function isRelayMessage(message: unknown): message is RelayMessage {
  return (message as { type?: unknown } | null)?.type === 'fork-relay'
}

/** The only module the parent starts for a worker: node-llama-cpp's binary test. */
export function isBinaryTestModule(modulePath: string, env: Record<string, string>): boolean {
  return /^testBindingBinary\.m?js$/.test(basename(modulePath)) && env.TEST_BINDING_CP === 'true'
}

/** Electron's `process.parentPort` as the worker sees it. */
export interface RelayPort {
  postMessage(message: unknown): void
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown
}

/** A child started through the relay: what node-llama-cpp uses of a `ChildProcess`. */
class RelayedChild extends EventEmitter {
  pid: number | undefined = undefined
  exitCode: number | null = null
  killed = false
  readonly stdout = null
  readonly stderr = null
  connected = true
  constructor(
    private readonly id: number,
    private readonly port: RelayPort
  ) {
    super()
  }
  send(message: unknown): boolean {
    if (this.exitCode !== null) return false
    this.port.postMessage({ type: 'fork-relay', op: 'send', id: this.id, message })
    return true
  }
  kill(): boolean {
    if (this.exitCode !== null) return false
    this.killed = true
    this.port.postMessage({ type: 'fork-relay', op: 'kill', id: this.id })
    return true
  }
  /** Called by the relay when the parent reports the child's exit. */
  exited(code: number): void {
    if (this.exitCode !== null) return
    this.exitCode = code
    this.connected = false
    this.emit('exit', code, null)
  }
}

/**
 * Routes `child_process.fork` of this (utility) process through `port` to the parent. Forks of
 * other modules throw at once: a utility process has no working fork. Returns the undo.
 */
export function installForkRelay(port: RelayPort): () => void {
  const original = childProcess.fork
  const children = new Map<number, RelayedChild>()
  let nextId = 1
  port.on('message', ({ data }) => {
    if (!isRelayMessage(data)) return
    const child = children.get(data.id)
    if (!child) return
    if (data.op === 'message') child.emit('message', data.message)
    else if (data.op === 'exit') {
      children.delete(data.id)
      child.exited(data.code)
    }
  })
  const relayedFork = (modulePath: string | URL, ...rest: unknown[]): RelayedChild => {
    const options = rest.find((r) => r !== null && typeof r === 'object' && !Array.isArray(r)) as
      { env?: NodeJS.ProcessEnv } | undefined
    const path = modulePath instanceof URL ? modulePath.pathname : modulePath
    const env = onlyStrings(options?.env ?? process.env)
    if (!isBinaryTestModule(path, env)) {
      throw new Error(`child_process.fork is not available in a utility process (${path})`)
    }
    const id = nextId++
    const child = new RelayedChild(id, port)
    children.set(id, child)
    port.postMessage({ type: 'fork-relay', op: 'fork', id, modulePath: path, env })
    return child
  }
  childProcess.fork = relayedFork as unknown as typeof childProcess.fork
  // node-llama-cpp imports `fork` as an ESM named binding; this updates it.
  syncBuiltinESMExports()
  return () => {
    childProcess.fork = original
    syncBuiltinESMExports()
  }
}

/** A child the parent started (Electron's UtilityProcess has this shape). */
export interface ServedChild {
  postMessage(message: unknown): void
  kill(): boolean
  on(event: 'message', listener: (message: unknown) => void): unknown
  on(event: 'exit', listener: (code: number) => void): unknown
}

export interface ServeForkRelayOptions {
  /** Sends a relay message to the worker. */
  post(message: RelayMessage): void
  /** Starts the test module (in the app: `utilityProcess.fork`). */
  fork(modulePath: string, env: Record<string, string>): ServedChild
}

/** The parent's side: handles the worker's relay messages; `dispose` kills what is left. */
export function serveForkRelay(opts: ServeForkRelayOptions): {
  handle(message: unknown): boolean
  dispose(): void
} {
  const children = new Map<number, ServedChild>()
  return {
    handle(message) {
      if (!isRelayMessage(message)) return false
      if (message.op === 'fork') {
        const { id } = message
        if (!isBinaryTestModule(message.modulePath, message.env)) {
          opts.post({ type: 'fork-relay', op: 'exit', id, code: 1 })
          return true
        }
        let child: ServedChild
        try {
          child = opts.fork(message.modulePath, message.env)
        } catch {
          opts.post({ type: 'fork-relay', op: 'exit', id, code: 1 })
          return true
        }
        children.set(id, child)
        child.on('message', (m) => opts.post({ type: 'fork-relay', op: 'message', id, message: m }))
        child.on('exit', (code) => {
          children.delete(id)
          opts.post({ type: 'fork-relay', op: 'exit', id, code: code ?? 1 })
        })
      } else if (message.op === 'send') children.get(message.id)?.postMessage(message.message)
      else if (message.op === 'kill') children.get(message.id)?.kill()
      return true
    },
    dispose() {
      for (const child of children.values()) child.kill()
      children.clear()
    }
  }
}

function onlyStrings(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v
  return out
}
