/**
 * @module A DevTools-protocol session with a benchmarked process started with
 * `--inspect=127.0.0.1:<port>`: forces a full garbage collection and reads the live heap, so a
 * benchmark can tell a leak from memory V8 simply has not collected yet.
 */
import { once } from 'node:events'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'

/** A port that was free a moment ago, for `--inspect`. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

export class Inspector {
  private lastId = 0
  private readonly pending = new Map<number, (result: unknown) => void>()

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { id?: number; result?: unknown }
      if (m.id === undefined) return
      this.pending.get(m.id)?.(m.result)
      this.pending.delete(m.id)
    })
  }

  /** Attaches to the process whose inspector listens on `port`. */
  static async connect(port: number): Promise<Inspector> {
    const res = await fetch(`http://127.0.0.1:${port}/json/list`)
    const [target] = (await res.json()) as { webSocketDebuggerUrl: string }[]
    if (!target) throw new Error(`no inspector target on port ${port}`)
    const ws = new WebSocket(target.webSocketDebuggerUrl)
    await once(ws, 'open')
    return new Inspector(ws)
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.lastId
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.ws.send(JSON.stringify({ id, method, params }))
    })
  }

  /** Runs a full garbage collection, then returns the JS heap in use (MB). */
  async heapAfterGc(): Promise<number> {
    await this.call('HeapProfiler.collectGarbage')
    const r = (await this.call('Runtime.evaluate', {
      expression: 'process.memoryUsage().heapUsed',
      returnByValue: true
    })) as { result: { value: number } }
    return r.result.value / 2 ** 20
  }

  /**
   * Bytes the process allocates while `work` runs, by allocating function, from V8's sampling
   * heap profiler with the objects garbage collection already freed included (so garbage counts:
   * what a request costs the allocator, not what it leaves behind). `intervalBytes` is the mean
   * distance between samples.
   */
  async sampleAllocations(
    work: () => Promise<void>,
    intervalBytes = 128
  ): Promise<{ total: number; byFunction: Map<string, number> }> {
    await this.call('HeapProfiler.enable')
    await this.call('HeapProfiler.startSampling', {
      samplingInterval: intervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true
    })
    await work()
    const { profile } = (await this.call('HeapProfiler.stopSampling')) as {
      profile: { head: SamplingNode }
    }
    const byFunction = new Map<string, number>()
    let total = 0
    const walk = (n: SamplingNode): void => {
      if (n.selfSize > 0) {
        const f = n.callFrame
        const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '') || '(native)'}:${f.lineNumber + 1}`
        byFunction.set(key, (byFunction.get(key) ?? 0) + n.selfSize)
        total += n.selfSize
      }
      for (const c of n.children) walk(c)
    }
    walk(profile.head)
    return { total, byFunction }
  }

  close(): void {
    this.ws.close()
  }
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children: SamplingNode[]
}
