import childProcess from 'node:child_process'
import { EventEmitter } from 'node:events'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { afterEach, describe, expect, it } from 'vitest'
import { installForkRelay, serveForkRelay, type RelayPort, type ServedChild } from './fork-relay'

/** Connects a worker-side port to a parent-side relay in this process, like Electron's parentPort. */
function wire(fork: (modulePath: string, env: Record<string, string>) => ServedChild) {
  const toWorker = new EventEmitter()
  const forks: string[] = []
  const relay = serveForkRelay({
    post: (message) => setImmediate(() => toWorker.emit('message', { data: message })),
    fork: (modulePath, env) => {
      forks.push(modulePath)
      return fork(modulePath, env)
    }
  })
  const port: RelayPort = {
    postMessage: (message) => setImmediate(() => relay.handle(message)),
    on: (event, listener) => toWorker.on(event, listener)
  }
  return { port, forks, relay }
}

/** A stand-in for utilityProcess.fork: Node's fork, adapted to the UtilityProcess shape. */
const realFork = childProcess.fork
function nodeServedChild(modulePath: string, env: Record<string, string>): ServedChild {
  const child = realFork(modulePath, [], { env, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] })
  return {
    postMessage: (m) => void child.send(m as object),
    kill: () => child.kill('SIGKILL'),
    on: (event: 'message' | 'exit', listener: (arg: never) => void) =>
      child.on(event, (arg: unknown) => listener((arg ?? 1) as never))
  }
}

let undo: (() => void) | undefined
afterEach(() => {
  undo?.()
  undo = undefined
})

describe('the fork relay for node-llama-cpp in a utility process', () => {
  it("runs node-llama-cpp's real binary test through the parent, so the prebuilt binary loads (catches the packaged Linux app finding no backend)", async () => {
    const { port, forks } = wire(nodeServedChild)
    undo = installForkRelay(port)
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error })
    try {
      // Linux tests every prebuilt binary before loading it (getShouldTestBinaryBeforeLoading).
      if (process.platform === 'linux') {
        expect(forks.length).toBeGreaterThan(0)
        expect(forks.every((f) => /testBindingBinary\.js$/.test(f))).toBe(true)
      }
      expect(llama.gpu).toBe(false)
    } finally {
      await llama.dispose()
    }
  })

  it('refuses any other fork in the worker, and the parent starts nothing else', async () => {
    const { port, forks, relay } = wire(nodeServedChild)
    undo = installForkRelay(port)
    expect(() => childProcess.fork('/tmp/evil.js')).toThrow(/not available in a utility process/)
    const posted: unknown[] = []
    const parent = serveForkRelay({
      post: (m) => posted.push(m),
      fork: () => {
        throw new Error('must not fork')
      }
    })
    expect(
      parent.handle({ type: 'fork-relay', op: 'fork', id: 7, modulePath: '/x/evil.js', env: {} })
    ).toBe(true)
    expect(posted).toEqual([{ type: 'fork-relay', op: 'exit', id: 7, code: 1 }])
    expect(parent.handle({ type: 'ready', port: 1 })).toBe(false)
    expect(forks).toEqual([])
    relay.dispose()
  })

  it('kills what the parent started when the worker goes away', () => {
    const killed: number[] = []
    const parent = serveForkRelay({
      post: () => undefined,
      fork: () => {
        const child = new EventEmitter() as EventEmitter & ServedChild
        child.postMessage = () => undefined
        child.kill = () => killed.push(1) > 0
        return child
      }
    })
    parent.handle({
      type: 'fork-relay',
      op: 'fork',
      id: 1,
      modulePath: '/n/testBindingBinary.js',
      env: { TEST_BINDING_CP: 'true' }
    })
    parent.dispose()
    expect(killed).toEqual([1])
  })
})
