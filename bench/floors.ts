/**
 * `npm run bench:floors`: where llmnet's CPU per request sits between two reference proxies, in
 * one interleaved run. JSON chat requests at concurrency 1, 16 and 64 go to:
 *
 * - **naive**: the pass-through of `npm run bench` (bench/naive-proxy.mjs);
 * - **floor**: the least a translating proxy must do (bench/floor-proxy.mjs): parse, send through
 *   undici, parse the answer, write a new one;
 * - **fastify**: the same floor inside Fastify with one `onRequest` hook;
 * - **llmnet**: `llmnet run` from the CLI bundle (a 1-0-1 pipeline).
 *
 * Each scenario warms every target up, then runs BENCH_ROUNDS rounds of BENCH_SECONDS per target,
 * the order reversed every other round; a target's ratio is the median, over the rounds, of its
 * CPU per request over the naive proxy's in the same round (as `npm run bench` does). Prints a
 * table and writes bench-results/floors.md. What it showed is in docs/performance.md.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Pool } from 'undici'
import { cpuMs, postChat, root, startLlmnet, startProcess, writeProxyPipeline } from './processes'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8)
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number)

interface Target {
  name: string
  port: number
  pid: number
  model: string
}

/** CPU ms per request of `target` over `seconds` of requests at `concurrency`. */
async function round(target: Target, concurrency: number, seconds: number): Promise<number> {
  const pool = new Pool(`http://127.0.0.1:${target.port}`, { connections: concurrency })
  const body = JSON.stringify({
    model: target.model,
    messages: [{ role: 'user', content: 'Say something about foxes.' }]
  })
  const cpu0 = cpuMs(target.pid)
  const deadline = performance.now() + seconds * 1000
  let requests = 0
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await postChat(pool, body)
      requests++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  await pool.close()
  return (cpuMs(target.pid) - cpu0) / requests
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

async function main(): Promise<void> {
  const upstream = await startProcess(process.execPath, [join(root, 'bench/upstream.mjs')])
  const url = `http://127.0.0.1:${upstream.port}`
  const file = writeProxyPipeline(mkdtempSync(join(tmpdir(), 'llmnet-floors-')), url)
  const script = (name: string): string => join(root, 'bench', name)
  const children = [
    ['naive', await startProcess(process.execPath, [script('naive-proxy.mjs'), url]), 'bench'],
    ['floor', await startProcess(process.execPath, [script('floor-proxy.mjs'), url]), 'bench'],
    [
      'fastify',
      await startProcess('env', [
        'FLOOR_FASTIFY=1',
        process.execPath,
        script('floor-proxy.mjs'),
        url
      ]),
      'bench'
    ],
    ['llmnet', await startLlmnet(file), 'proxy']
  ] as const
  const targets: Target[] = children.map(([name, p, model]) => ({
    name,
    port: p.port,
    pid: p.child.pid as number,
    model
  }))
  const lines = [
    `## CPU per request against the naive proxy (JSON, ${ROUNDS} rounds of ${SECONDS} s, node ${process.version})`,
    '',
    `| c | ${targets.map((t) => `${t.name} µs/req`).join(' | ')} | ${targets
      .slice(1)
      .map((t) => `${t.name}/naive`)
      .join(' | ')} |`,
    `|---|${targets.map(() => '---:').join('|')}|${targets
      .slice(1)
      .map(() => '---:')
      .join('|')}|`
  ]
  try {
    for (const c of CONCURRENCY) {
      for (const t of targets) await round(t, c, WARMUP_SECONDS)
      const perRound: number[][] = targets.map(() => [])
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 ? [...targets.keys()].reverse() : [...targets.keys()]
        for (const i of order) perRound[i]?.push(await round(targets[i] as Target, c, SECONDS))
      }
      const naive = perRound[0] as number[]
      const us = perRound.map((xs) => (median(xs) * 1000).toFixed(1))
      const ratios = perRound
        .slice(1)
        .map((xs) => median(xs.map((v, i) => v / (naive[i] as number))).toFixed(2))
      lines.push(`| ${c} | ${us.join(' | ')} | ${ratios.join(' | ')} |`)
      process.stdout.write(`${lines.at(-1)}\n`)
    }
  } finally {
    for (const [, p] of children) p.child.kill('SIGINT')
    upstream.child.kill()
  }
  const out = `${lines.join('\n')}\n`
  mkdirSync(join(root, 'bench-results'), { recursive: true })
  writeFileSync(join(root, 'bench-results/floors.md'), out)
  process.stdout.write(`\n${out}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
