/**
 * `npm run bench:load`: sustained streaming load through a router and two experts. The built CLI
 * (`llmnet run`, a child process) serves a pipeline whose three nodes call a local fake upstream
 * (bench/load-upstream.mjs): the router's decision follows the request's number, and each expert
 * streams a numbered sequence. BENCH_LOAD_CLIENTS clients (64) stream back to back for
 * BENCH_LOAD_SECONDS (60), in three rounds. Every stream is checked whole: right expert, every
 * chunk once and in order, `finish_reason`, `[DONE]`. Reports requests, errors, bad sequences,
 * llmnet's RSS sampled each second of each round, its RSS and live heap after a full GC at the end
 * of each round (through the inspector: garbage V8 has not collected yet is not a leak), their
 * growth, and p50/p99 time to first byte and total; exits 1 when a target is missed. Traffic
 * stays on 127.0.0.1.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Pool } from 'undici'
import { freePort, Inspector } from './inspector'
import { pct, root, rssMb, startLlmnet, startProcess } from './processes'

const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60)
const CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 64)
const CHUNKS = Number(process.env.BENCH_LOAD_CHUNKS ?? 32)
const CHUNK_MS = Number(process.env.BENCH_LOAD_CHUNK_MS ?? 1)
const ROUNDS = 3
/** RSS and the live heap may grow this much from the first round to the last. */
const MAX_GROWTH = 0.1
const EXPERTS = ['alpha', 'beta'] as const

interface Totals {
  requests: number
  errors: number
  badSequence: number
  ttfb: number[]
  total: number[]
  firstErrors: string[]
}

function emptyTotals(): Totals {
  return { requests: 0, errors: 0, badSequence: 0, ttfb: [], total: [], firstErrors: [] }
}

/** The deltas a stream for request `n` must carry, in order. */
function expected(n: number): string[] {
  const expert = EXPERTS[n % 2]
  return Array.from({ length: CHUNKS }, (_, i) => `${expert}:${n}:${i} `)
}

interface StreamCheck {
  error?: string
  badSequence: boolean
}

/** Reads one SSE answer and checks it against the sequence request `n` must get. */
async function readStream(body: AsyncIterable<Buffer>, n: number): Promise<StreamCheck> {
  const deltas: string[] = []
  let buffer = ''
  let finished = false
  let done = false
  let error: string | undefined
  for await (const chunk of body) {
    buffer += chunk.toString('utf8')
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = event.startsWith('data: ') ? event.slice(6) : ''
      if (data === '[DONE]') {
        done = true
        continue
      }
      const parsed = JSON.parse(data) as {
        error?: { message?: string }
        choices?: { delta?: { content?: string }; finish_reason?: string | null }[]
      }
      if (parsed.error) error = `error event: ${parsed.error.message}`
      const choice = parsed.choices?.[0]
      if (choice?.delta?.content) deltas.push(choice.delta.content)
      if (choice?.finish_reason === 'stop') finished = true
    }
  }
  if (!error && (!done || !finished)) error = done ? 'no finish_reason' : 'no [DONE]'
  const want = expected(n)
  const badSequence = deltas.length !== want.length || deltas.some((d, i) => d !== want[i])
  return { error, badSequence }
}

async function client(pool: Pool, next: () => number, deadline: number, t: Totals): Promise<void> {
  while (performance.now() < deadline) {
    const n = next()
    const start = performance.now()
    let first = 0
    let check: StreamCheck
    try {
      const res = await pool.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'load',
          stream: true,
          messages: [{ role: 'user', content: `Load test request #${n}` }]
        })
      })
      const timed = (async function* () {
        for await (const c of res.body as AsyncIterable<Buffer>) {
          if (!first) first = performance.now()
          yield c
        }
      })()
      if (res.statusCode !== 200) {
        let text = ''
        for await (const c of timed) text += c.toString('utf8')
        check = { error: `status ${res.statusCode}: ${text.slice(0, 200)}`, badSequence: false }
      } else check = await readStream(timed, n)
    } catch (err) {
      check = { error: (err as Error).message, badSequence: false }
    }
    const end = performance.now()
    t.requests++
    if (check.error) {
      t.errors++
      if (t.firstErrors.length < 5) t.firstErrors.push(`#${n}: ${check.error}`)
    } else if (check.badSequence) t.badSequence++
    t.ttfb.push((first || end) - start)
    t.total.push(end - start)
  }
}

async function main(): Promise<void> {
  const upstream = await startProcess(process.execPath, [
    join(root, 'bench/load-upstream.mjs'),
    String(CHUNKS),
    String(CHUNK_MS)
  ])
  const dir = mkdtempSync(join(tmpdir(), 'llmnet-load-'))
  const file = join(dir, 'load.json')
  const url = `http://127.0.0.1:${upstream.port}`
  writeFileSync(
    file,
    JSON.stringify({
      models: { up: { type: 'external', url } },
      architecture: [
        { name: 'router', layer: 0, model: 'up', adapter: 'openai-api', 'output-to': [1] },
        ...EXPERTS.map((name, i) => ({
          name,
          layer: 1,
          model: 'up',
          adapter: 'openai-api',
          'use-case': i === 0 ? 'Requests with an even number' : 'Requests with an odd number',
          'output-to': ['output']
        })),
        { name: 'output', adapter: 'output' }
      ]
    })
  )
  const inspectPort = await freePort()
  const llmnet = await startLlmnet(file, [`--inspect=127.0.0.1:${inspectPort}`])
  const pid = llmnet.child.pid ?? 0
  const inspector = await Inspector.connect(inspectPort)
  const pool = new Pool(`http://127.0.0.1:${llmnet.port}`, { connections: CLIENTS, pipelining: 1 })
  const lines: string[] = []
  const log = (s: string): void => {
    lines.push(s)
    process.stdout.write(`${s}\n`)
  }
  log(
    `llmnet load: ${CLIENTS} streaming clients for ${SECONDS} s (${ROUNDS} rounds), router + 2 experts, ${CHUNKS} chunks per answer ${CHUNK_MS} ms apart, node ${process.version}`
  )
  log('')
  log(
    '| round | requests | errors | bad sequences | RSS MB min / median / max | after a full GC: RSS MB | heap MB |'
  )
  log('|---|---|---|---|---|---|---|')

  let counter = 0
  const next = (): number => counter++
  const all = emptyTotals()
  const medians: number[] = []
  const heaps: number[] = []
  const settled: number[] = []
  for (let r = 1; r <= ROUNDS; r++) {
    const t = emptyTotals()
    const rss: number[] = []
    const sampler = setInterval(() => rss.push(rssMb(pid)), 1000)
    const deadline = performance.now() + (SECONDS / ROUNDS) * 1000
    await Promise.all(Array.from({ length: CLIENTS }, () => client(pool, next, deadline, t)))
    clearInterval(sampler)
    rss.push(rssMb(pid))
    const median = pct(rss, 50)
    medians.push(median)
    heaps.push(await inspector.heapAfterGc())
    settled.push(rssMb(pid))
    log(
      `| ${r} | ${t.requests} | ${t.errors} | ${t.badSequence} | ${Math.min(...rss).toFixed(0)} / ${median.toFixed(0)} / ${Math.max(...rss).toFixed(0)} | ${settled.at(-1)?.toFixed(0)} | ${heaps.at(-1)?.toFixed(1)} |`
    )
    all.requests += t.requests
    all.errors += t.errors
    all.badSequence += t.badSequence
    all.ttfb.push(...t.ttfb)
    all.total.push(...t.total)
    all.firstErrors.push(...t.firstErrors.slice(0, 5 - all.firstErrors.length))
  }

  const f = (n: number): string => n.toFixed(1)
  const change = (xs: number[]): number => ((xs[ROUNDS - 1] ?? 0) - (xs[0] ?? 0)) / (xs[0] || 1)
  const percent = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`
  const growth = change(medians)
  const heapGrowth = change(heaps)
  log('')
  log(
    `${all.requests} streams (${f(all.requests / SECONDS)}/s), time to first byte p50 ${f(pct(all.ttfb, 50))} ms, p99 ${f(pct(all.ttfb, 99))} ms; total p50 ${f(pct(all.total, 50))} ms, p99 ${f(pct(all.total, 99))} ms`
  )
  log(
    `RSS median ${medians.map((m) => m.toFixed(0)).join(' → ')} MB (${percent(growth)}), after a full GC ${settled.map((m) => m.toFixed(0)).join(' → ')} MB (${percent(change(settled))}); live heap ${heaps.map((m) => m.toFixed(1)).join(' → ')} MB (${percent(heapGrowth)}), round 1 to round ${ROUNDS}`
  )
  for (const e of all.firstErrors) log(`  ${e}`)
  const checks = [
    { ok: all.requests > 0, what: `${all.requests} streams (target > 0)` },
    { ok: all.errors === 0, what: `${all.errors} errors (target 0)` },
    { ok: all.badSequence === 0, what: `${all.badSequence} bad sequences (target 0)` },
    {
      ok: growth <= MAX_GROWTH,
      what: `RSS median growth ${percent(growth)} (target ≤ ${MAX_GROWTH * 100} %)`
    },
    {
      ok: heapGrowth <= MAX_GROWTH,
      what: `live heap growth ${percent(heapGrowth)} (target ≤ ${MAX_GROWTH * 100} %)`
    }
  ]
  log('')
  for (const c of checks) log(`${c.ok ? 'PASS' : 'FAIL'} ${c.what}`)
  const ok = checks.every((c) => c.ok)
  log(ok ? '\nAll targets met.' : '\nSome targets were missed.')
  mkdirSync(join(root, 'bench-results'), { recursive: true })
  writeFileSync(join(root, 'bench-results/load.md'), `${lines.join('\n')}\n`)
  await pool.close()
  inspector.close()
  for (const child of [llmnet.child, upstream.child]) child.kill('SIGTERM')
  process.exitCode = ok ? 0 : 1
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:load failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
