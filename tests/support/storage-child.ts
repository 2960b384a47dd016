/**
 * A child process for tests/storage-processes.test.ts, run through tsx:
 * - `lock <dataDir>`: takes the data folder's lock, prints `locked <pid>`, then idles;
 * - `write <dbFile>`: saves pipeline versions and traces in an endless loop and prints each one
 *   only after its transaction committed (`P <name> <version>`, `T <id> <id> …`).
 */
import { acquireDataDirLock } from '../../src/main/core/storage/lock'
import { openDatabase } from '../../src/main/core/storage/database'
import { PipelineRepository } from '../../src/main/core/storage/pipeline-repository'
import { TraceWriter } from '../../src/main/core/storage/trace-writer'
import type { Trace } from '../../src/main/core/engine/trace'

const [mode, target] = process.argv.slice(2)
const out = (line: string): void => void process.stdout.write(`${line}\n`)

if (mode === 'lock' && target) {
  acquireDataDirLock(target, { command: 'storage-child lock' })
  out(`locked ${process.pid}`)
  setInterval(() => undefined, 60_000)
} else if (mode === 'write' && target) {
  const { db } = openDatabase(target)
  const pipelines = new PipelineRepository(db)
  // No timer flushes: the loop flushes itself, so it knows exactly which ids each commit held.
  const writer = new TraceWriter(db, { batchSize: 1_000_000, flushIntervalMs: 3_600_000 })
  let pending: string[] = []
  let i = 0
  const step = (): void => {
    i++
    const saved = pipelines.save({ name: `p${i % 7}`, text: `{ "step": ${i} }\n`, format: 'json' })
    out(`P ${saved.name} ${saved.version}`)
    const id = `t-${process.pid}-${i}`
    writer.push(trace(id, i))
    pending.push(id)
    if (pending.length === 5) {
      const failed = writer.stats.failed
      writer.flush()
      if (writer.stats.failed === failed) out(`T ${pending.join(' ')}`)
      pending = []
    }
    setImmediate(step)
  }
  step()
} else {
  process.stderr.write('usage: storage-child.ts lock <dataDir> | write <dbFile>\n')
  process.exit(2)
}

function trace(id: string, i: number): Trace {
  return {
    id,
    pipeline: `p${i % 7}`,
    stream: false,
    startedAt: Date.now(),
    durationMs: i,
    status: 'ok',
    route: ['router', `expert${i % 3}`],
    hops: [],
    usage: { prompt_tokens: i, completion_tokens: 1, total_tokens: i + 1 }
  }
}
