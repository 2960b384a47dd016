/**
 * `npm run bench:alloc`: bytes allocated per request, the naive pass-through against the CLI
 * bundle's `llmnet run` (a 1-0-1 pipeline over the bench upstream), JSON and SSE, one request at a
 * time. Read from V8's sampling heap profiler through the inspector, garbage included: unlike CPU
 * time on a shared machine, it barely moves between runs, so it shows what a change to the request
 * path costs or saves. Every allocated byte is paid twice, when it is written and when the young
 * generation is scavenged (docs/performance.md). Prints the totals and llmnet's top allocating
 * functions, and writes bench-results/alloc.md.
 *
 *   BENCH_ALLOC_REQUESTS=5000  BENCH_TOP=25  npm run bench:alloc
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Pool } from 'undici'
import { freePort, Inspector } from './inspector'
import { postChat, root, startLlmnet, startProcess, writeProxyPipeline } from './processes'

const REQUESTS = Number(process.env.BENCH_ALLOC_REQUESTS ?? 5000)
/** Requests before sampling: long enough for V8 to optimise the path (as in `npm run bench`). */
const WARMUP = Number(process.env.BENCH_ALLOC_WARMUP ?? 20000)
const TOP = Number(process.env.BENCH_TOP ?? 25)

type Mode = 'json' | 'sse'

async function drive(port: number, model: string, mode: Mode, n: number): Promise<void> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 })
  const body = JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say something about foxes.' }],
    ...(mode === 'sse' ? { stream: true, stream_options: { include_usage: true } } : {})
  })
  for (let i = 0; i < n; i++) {
    await postChat(pool, body)
  }
  await pool.close()
}

interface Measured {
  perRequest: number
  top: [string, number][]
}

async function measure(
  start: (inspect: string) => Promise<{ child: ChildProcess; port: number }>,
  model: string,
  mode: Mode
): Promise<Measured> {
  const inspectPort = await freePort()
  const target = await start(`--inspect=127.0.0.1:${inspectPort}`)
  try {
    await drive(target.port, model, mode, WARMUP)
    const inspector = await Inspector.connect(inspectPort)
    const { total, byFunction } = await inspector.sampleAllocations(() =>
      drive(target.port, model, mode, REQUESTS)
    )
    inspector.close()
    const top = [...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([k, v]): [string, number] => [k, v / REQUESTS])
    return { perRequest: total / REQUESTS, top }
  } finally {
    target.child.kill('SIGINT')
  }
}

async function main(): Promise<void> {
  const upstream = await startProcess(process.execPath, [join(root, 'bench/upstream.mjs')])
  const url = `http://127.0.0.1:${upstream.port}`
  const file = writeProxyPipeline(mkdtempSync(join(tmpdir(), 'llmnet-alloc-')), url)
  const lines = [
    `## Bytes allocated per request (${REQUESTS} requests after ${WARMUP}, one at a time)`,
    '',
    '| mode | naive | llmnet | llmnet − naive |',
    '|---|---:|---:|---:|'
  ]
  const tops: string[] = []
  try {
    for (const mode of ['json', 'sse'] as const) {
      const naive = await measure(
        (inspect) =>
          startProcess(process.execPath, [inspect, join(root, 'bench/naive-proxy.mjs'), url]),
        'bench',
        mode
      )
      const llmnet = await measure((inspect) => startLlmnet(file, [inspect]), 'proxy', mode)
      const kb = (b: number): string => `${(b / 1024).toFixed(1)} KiB`
      lines.push(
        `| ${mode} | ${kb(naive.perRequest)} | ${kb(llmnet.perRequest)} | ${kb(llmnet.perRequest - naive.perRequest)} |`
      )
      tops.push(
        '',
        `### llmnet, ${mode}: where the bytes are allocated`,
        '',
        '| bytes/request | function |',
        '|---:|---|',
        ...llmnet.top.map(([k, v]) => `| ${v.toFixed(0)} | ${k} |`)
      )
    }
  } finally {
    upstream.child.kill()
  }
  const out = [...lines, ...tops, ''].join('\n')
  mkdirSync(join(root, 'bench-results'), { recursive: true })
  writeFileSync(join(root, 'bench-results/alloc.md'), out)
  process.stdout.write(out)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
