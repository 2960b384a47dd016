/**
 * `npm run bench:profile`: where a request's CPU goes. Starts the bench upstream and the CLI
 * bundle's `llmnet run` under `node --cpu-prof`, drives JSON or SSE chat requests at a fixed
 * concurrency, then reads the V8 profile and prints self time per request (µs) by function and by
 * source file, next to the CPU per request read from /proc over the same window.
 *
 *   BENCH_MODE=json|sse  BENCH_CONCURRENCY=16  BENCH_SECONDS=8  npm run bench:profile
 *
 * `BENCH_TARGET=naive` profiles the naive pass-through instead (the baseline of `npm run bench`).
 *
 * The profile is kept in bench-results/ (open it in Chrome DevTools' Performance panel).
 */
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Pool } from 'undici'
import { cpuMs, postChat, root, startLlmnet, startProcess, writeProxyPipeline } from './processes'

const MODE = process.env.BENCH_MODE === 'sse' ? 'sse' : 'json'
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3)
const TOP = Number(process.env.BENCH_TOP ?? 40)
const TARGET = process.env.BENCH_TARGET === 'naive' ? 'naive' : 'llmnet'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

async function drive(pool: Pool, seconds: number): Promise<number> {
  const payload = JSON.stringify({
    model: TARGET === 'naive' ? 'bench' : 'proxy',
    messages: [{ role: 'user', content: 'Say something about foxes.' }],
    ...(MODE === 'sse' ? { stream: true, stream_options: { include_usage: true } } : {})
  })
  const deadline = performance.now() + seconds * 1000
  let done = 0
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await postChat(pool, payload)
      done++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return done
}

/** Self time (µs) per key over the samples taken between `from` and `to` (profile clock, µs). */
function selfTimes(
  p: CpuProfile,
  key: (n: ProfileNode) => string,
  from: number,
  to: number
): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const out = new Map<string, number>()
  let t = p.startTime
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!
    if (t < from || t > to) continue
    const dt = p.timeDeltas[i + 1] ?? 0
    const k = key(byId.get(p.samples[i]!)!)
    out.set(k, (out.get(k) ?? 0) + dt)
  }
  return out
}

const where = (url: string): string => {
  if (!url) return '(native / V8)'
  const path = url.replace(/^file:\/\//, '')
  if (path.startsWith('node:')) return path
  return path.startsWith(root) ? relative(root, path) : path
}

async function main(): Promise<void> {
  const upstream = await startProcess(process.execPath, [join(root, 'bench/upstream.mjs')])
  const dir = mkdtempSync(join(tmpdir(), 'llmnet-profile-'))
  const file = writeProxyPipeline(dir, `http://127.0.0.1:${upstream.port}`)
  const profDir = join(dir, 'prof')
  const prof = ['--cpu-prof', `--cpu-prof-dir=${profDir}`]
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`
  const llmnet =
    TARGET === 'naive'
      ? await startProcess(process.execPath, [
          ...prof,
          join(root, 'bench/naive-proxy.mjs'),
          upstreamUrl
        ])
      : await startLlmnet(file, prof)
  const pool = new Pool(`http://127.0.0.1:${llmnet.port}`, { connections: CONCURRENCY })
  await drive(pool, WARMUP_SECONDS)
  // The profile's clock is process.hrtime in µs; mark the measured window from here.
  const cpu0 = cpuMs(llmnet.child.pid!)
  const wall0 = process.hrtime.bigint()
  const requests = await drive(pool, SECONDS)
  const wall1 = process.hrtime.bigint()
  const cpu = cpuMs(llmnet.child.pid!) - cpu0
  await pool.close()
  llmnet.child.kill('SIGINT')
  await once(llmnet.child, 'exit')
  upstream.child.kill()
  const name = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))
  if (!name) throw new Error('llmnet wrote no .cpuprofile')
  const profile = JSON.parse(readFileSync(join(profDir, name), 'utf8')) as CpuProfile
  // hrtime in this process and the child share the monotonic clock (µs in the profile).
  const from = Number(wall0 / 1000n)
  const to = Number(wall1 / 1000n)
  const perRequest = (us: number): string => (us / requests).toFixed(2)
  const table = (title: string, m: Map<string, number>): string[] => {
    const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, TOP)
    const total = [...m.values()].reduce((a, b) => a + b, 0)
    return [
      `### ${title} (sampled ${perRequest(total)} µs/request)`,
      '',
      '| µs/request | share | where |',
      '|---:|---:|---|',
      ...rows.map(
        ([k, us]) => `| ${perRequest(us)} | ${((100 * us) / total).toFixed(1)} % | ${k} |`
      ),
      ''
    ]
  }
  const byFunction = selfTimes(
    profile,
    (n) =>
      `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`,
    from,
    to
  )
  const byFile = selfTimes(profile, (n) => where(n.callFrame.url), from, to)
  const lines = [
    `## ${TARGET}, ${MODE} at c=${CONCURRENCY}: ${requests} requests in ${SECONDS} s, ` +
      `CPU ${((1000 * cpu) / requests).toFixed(1)} µs/request (/proc, user + system)`,
    '',
    ...table('Self time by source file', byFile),
    ...table('Self time by function', byFunction)
  ]
  mkdirSync(join(root, 'bench-results'), { recursive: true })
  const base = join(root, `bench-results/profile-${TARGET}-${MODE}`)
  writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile))
  writeFileSync(`${base}.md`, `${lines.join('\n')}\n`)
  process.stdout.write(`${lines.join('\n')}\n`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
