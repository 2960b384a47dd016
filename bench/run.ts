/**
 * `npm run bench`: a 1-0-1 llmnet pipeline against calling the upstream directly and against a
 * naive node:http pass-through, in one interleaved run (rounds alternate between the three
 * targets so machine noise hits them alike). JSON and SSE at concurrency 1, 16 and 64.
 * Reports req/s ratio, Δp50, Δp95 and ΔTTFB against the direct call, CPU ms per request and RSS
 * of each proxy process, and checks the targets of docs/performance.md.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Pool } from 'undici'
import {
  cpuMs,
  pct,
  root,
  rssMb,
  startLlmnet,
  startProcess,
  startServe,
  writeProxyPipeline
} from './processes'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1)
/** Warm-up per target and scenario, long enough for V8 to optimise the whole request path. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6)
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number)
/** `run`: `llmnet run FILE`; `serve`: `llmnet serve` with the pipeline in its library and traces stored. */
const LLMNET = process.env.BENCH_LLMNET === 'serve' ? 'serve' : 'run'
/**
 * CPU per request against the naive proxy (docs/performance.md): at most 1.15× for `llmnet run`,
 * the inner-ring target; `serve` also stores every trace in SQLite and keeps the 1.5× target.
 */
const CPU_RATIO_TARGET = LLMNET === 'serve' ? 1.5 : 1.15

type Target = 'direct' | 'naive' | 'llmnet'
type Mode = 'json' | 'sse'

const body = (stream: boolean, model: string): string =>
  JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say something about foxes.' }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {})
  })

interface Sample {
  latency: number[]
  ttfb: number[]
  requests: number
  errors: number
  seconds: number
  cpuMs: number
}

async function round(
  pool: Pool,
  path: string,
  payload: string,
  concurrency: number,
  pid: number | undefined,
  runSeconds = SECONDS
): Promise<Sample> {
  const latency: number[] = []
  const ttfb: number[] = []
  let errors = 0
  const cpu0 = pid ? cpuMs(pid) : 0
  const t0 = performance.now()
  const deadline = t0 + runSeconds * 1000
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const start = performance.now()
      try {
        const res = await pool.request({
          path,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: payload
        })
        let first = 0
        for await (const _ of res.body) if (!first) first = performance.now()
        if (res.statusCode !== 200) errors++
        const end = performance.now()
        latency.push(end - start)
        ttfb.push((first || end) - start)
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = (performance.now() - t0) / 1000
  return {
    latency,
    ttfb,
    requests: latency.length,
    errors,
    seconds,
    cpuMs: pid ? cpuMs(pid) - cpu0 : 0
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

function merge(samples: Sample[]): Sample {
  return samples.reduce(
    (a, s) => ({
      latency: a.latency.concat(s.latency),
      ttfb: a.ttfb.concat(s.ttfb),
      requests: a.requests + s.requests,
      errors: a.errors + s.errors,
      seconds: a.seconds + s.seconds,
      cpuMs: a.cpuMs + s.cpuMs
    }),
    { latency: [], ttfb: [], requests: 0, errors: 0, seconds: 0, cpuMs: 0 }
  )
}

async function main(): Promise<void> {
  const upstream = await startProcess(process.execPath, [join(root, 'bench/upstream.mjs')])
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`
  const dir = mkdtempSync(join(tmpdir(), 'llmnet-bench-'))
  const file = writeProxyPipeline(dir, upstreamUrl)
  const naive = await startProcess(process.execPath, [
    join(root, 'bench/naive-proxy.mjs'),
    upstreamUrl
  ])
  const llmnet =
    LLMNET === 'serve'
      ? await startServe(file, join(dir, 'data'), 'proxy')
      : await startLlmnet(file)
  const targets: Record<Target, { port: number; pid?: number; model: string }> = {
    direct: { port: upstream.port, model: 'bench' },
    naive: { port: naive.port, pid: naive.child.pid, model: 'bench' },
    llmnet: { port: llmnet.port, pid: llmnet.child.pid, model: 'proxy' }
  }
  const pools = Object.fromEntries(
    (Object.keys(targets) as Target[]).map((t) => [
      t,
      new Pool(`http://127.0.0.1:${targets[t].port}`, { connections: 128, pipelining: 1 })
    ])
  ) as Record<Target, Pool>

  const results: Record<string, unknown>[] = []
  const lines: string[] = []
  const log = (s: string): void => {
    lines.push(s)
    process.stdout.write(`${s}\n`)
  }
  log(
    `llmnet benchmark (llmnet ${LLMNET}${LLMNET === 'serve' ? ', traces stored in SQLite' : ''}): ${ROUNDS} interleaved rounds of ${SECONDS}s per target and scenario after ${WARMUP_SECONDS}s of warm-up; CPU ratio = median over rounds of llmnet/naive, node ${process.version}`
  )
  log('')
  log(
    '| mode | c | req/s direct | req/s naive | req/s llmnet | llmnet/naive | Δp50 ms | Δp95 ms | ΔTTFB p50 ms | CPU ms/req naive | CPU ms/req llmnet | CPU ratio | RSS MB naive | RSS MB llmnet | errors |'
  )
  log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
  let allOk = true
  for (const mode of ['json', 'sse'] as Mode[]) {
    for (const c of CONCURRENCY) {
      const samples: Record<Target, Sample[]> = { direct: [], naive: [], llmnet: [] }
      // Warm-up, then interleaved measured rounds.
      for (const t of Object.keys(targets) as Target[]) {
        await round(
          pools[t],
          '/v1/chat/completions',
          body(mode === 'sse', targets[t].model),
          c,
          undefined,
          WARMUP_SECONDS
        )
      }
      for (let r = 0; r < ROUNDS; r++) {
        const order: Target[] =
          r % 2 === 0 ? ['direct', 'naive', 'llmnet'] : ['llmnet', 'naive', 'direct']
        for (const t of order) {
          samples[t].push(
            await round(
              pools[t],
              '/v1/chat/completions',
              body(mode === 'sse', targets[t].model),
              c,
              targets[t].pid
            )
          )
        }
      }
      const m = {
        direct: merge(samples.direct),
        naive: merge(samples.naive),
        llmnet: merge(samples.llmnet)
      }
      const rps = (s: Sample): number => s.requests / s.seconds
      const cpu = (s: Sample): number => s.cpuMs / s.requests
      const row = {
        mode,
        c,
        rps: { direct: rps(m.direct), naive: rps(m.naive), llmnet: rps(m.llmnet) },
        p50: {
          direct: pct(m.direct.latency, 50),
          naive: pct(m.naive.latency, 50),
          llmnet: pct(m.llmnet.latency, 50)
        },
        p95: {
          direct: pct(m.direct.latency, 95),
          naive: pct(m.naive.latency, 95),
          llmnet: pct(m.llmnet.latency, 95)
        },
        ttfb50: {
          direct: pct(m.direct.ttfb, 50),
          naive: pct(m.naive.ttfb, 50),
          llmnet: pct(m.llmnet.ttfb, 50)
        },
        cpuPerReq: { naive: cpu(m.naive), llmnet: cpu(m.llmnet) },
        rssMb: { naive: rssMb(naive.child.pid ?? 0), llmnet: rssMb(llmnet.child.pid ?? 0) },
        errors: m.direct.errors + m.naive.errors + m.llmnet.errors
      }
      results.push(row)
      const f = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a')
      // The naive and llmnet rounds of one pass run back to back (the order alternates around
      // them), so each pass gives one ratio measured under the same machine load; the median of
      // those passes is the row's ratio. A burst of load from outside the benchmark then moves
      // one pass, not the total.
      const perRound = (s: Sample): number => s.cpuMs / s.requests
      const cpuRatio = median(
        samples.llmnet.map((s, i) => perRound(s) / perRound(samples.naive[i] as Sample))
      )
      ;(row as Record<string, unknown>).cpuRatio = cpuRatio
      ;(row as Record<string, unknown>).cpuRatioTotal = row.cpuPerReq.llmnet / row.cpuPerReq.naive
      log(
        `| ${mode} | ${c} | ${f(row.rps.direct, 0)} | ${f(row.rps.naive, 0)} | ${f(row.rps.llmnet, 0)} | ${f(row.rps.llmnet / row.rps.naive)} | ${f(row.p50.llmnet - row.p50.direct)} | ${f(row.p95.llmnet - row.p95.direct)} | ${f(row.ttfb50.llmnet - row.ttfb50.direct)} | ${f(row.cpuPerReq.naive, 3)} | ${f(row.cpuPerReq.llmnet, 3)} | ${f(cpuRatio)} | ${f(row.rssMb.naive, 0)} | ${f(row.rssMb.llmnet, 0)} | ${row.errors} |`
      )
      const checks = [
        {
          ok: cpuRatio <= CPU_RATIO_TARGET,
          what: `CPU per request ${f(cpuRatio)}× naive (target ≤ ${CPU_RATIO_TARGET}×)`
        },
        { ok: row.errors === 0, what: `${row.errors} errors (target 0)` },
        ...(c === 1
          ? [
              {
                ok: row.ttfb50.llmnet - row.ttfb50.direct <= 1,
                what: `ΔTTFB p50 ${f(row.ttfb50.llmnet - row.ttfb50.direct)} ms (target ≤ 1 ms)`
              }
            ]
          : [])
      ]
      for (const chk of checks) if (!chk.ok) allOk = false
      ;(row as Record<string, unknown>).checks = checks
    }
  }
  log('')
  for (const r of results) {
    for (const chk of (r.checks as { ok: boolean; what: string }[]) ?? []) {
      log(`${chk.ok ? 'PASS' : 'FAIL'} ${r.mode} c=${r.c}: ${chk.what}`)
    }
  }
  log(allOk ? '\nAll targets met.' : '\nSome targets were missed.')
  mkdirSync(join(root, 'bench-results'), { recursive: true })
  writeFileSync(join(root, 'bench-results/latest.json'), JSON.stringify(results, null, 2))
  writeFileSync(join(root, 'bench-results/latest.md'), `${lines.join('\n')}\n`)
  for (const p of Object.values(pools)) await p.close()
  for (const child of [upstream.child, naive.child, llmnet.child]) child.kill('SIGTERM')
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
