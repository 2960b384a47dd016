/**
 * Starts model workers with Electron's utilityProcess in the app (the runtime's ForkLike), so a
 * crashing model never takes the main process down; headless runs use child_process.fork.
 * The worker reads `process.parentPort` when it has no Node IPC channel. node-llama-cpp's binary
 * test, which a utility process cannot fork itself, is started here (core/local/fork-relay.ts).
 */
import { utilityProcess } from 'electron'
import { serveForkRelay } from '../core/local/fork-relay'
import type { ForkLike } from '../core/local/worker-fork'

export const utilityFork: ForkLike = (entry, args) => {
  const child = utilityProcess.fork(entry.modulePath, [...args], {
    execArgv: entry.execArgv,
    stdio: ['ignore', 'ignore', 'pipe'],
    serviceName: 'llmnet model worker'
  })
  let exited = false
  const relay = serveForkRelay({
    post: (message) => {
      if (!exited) child.postMessage(message)
    },
    fork: (modulePath, env) =>
      utilityProcess.fork(modulePath, [], {
        env,
        stdio: 'ignore',
        serviceName: 'llmnet llama.cpp binary test'
      })
  })
  const messageListeners: ((message: unknown) => void)[] = []
  child.on('message', (message: unknown) => {
    if (relay.handle(message)) return
    for (const l of messageListeners) l(message)
  })
  const stderrListeners: ((text: string) => void)[] = []
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (text: string) => {
    for (const l of stderrListeners) l(text)
  })
  child.once('exit', () => {
    exited = true
    relay.dispose()
  })
  return {
    get pid() {
      return child.pid
    },
    send: (message) => {
      if (!exited) child.postMessage(message)
    },
    // utilityProcess.kill() sends SIGTERM; escalation to SIGKILL goes through the pid.
    kill: (signal) => {
      if (exited) return
      if (signal === 'SIGTERM' || child.pid === undefined) child.kill()
      else process.kill(child.pid, 'SIGKILL')
    },
    onMessage: (listener) => void messageListeners.push(listener),
    onExit: (listener) => void child.once('exit', (code) => listener(code, null)),
    onStderr: (listener) => void stderrListeners.push(listener)
  }
}
