/**
 * `npm run bench:startup`: how long the installed `llmnet run` takes to serve, against a bare Node
 * HTTP server measured in the same run. Both are started as fresh processes on a port chosen in
 * advance and polled with GET /health until the first 200; runs alternate (bare, llmnet, bare…)
 * so that load on the machine hits both alike. Prints every run and the medians, and exits 1
 * when llmnet's median is more than 5× the bare server's.
 *
 * `llmnet` is the package from `npm pack`, installed into a temp prefix (as `npm i -g` would);
 * `--local` runs this checkout's out/cli/cli.mjs with node instead (no pack, no install);
 * `--entry FILE` runs `node FILE run …` (to compare another build of the CLI).
 * BENCH_RUNS sets the number of runs of each (default 10).
 */
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { packAndInstall, type InstalledPackage } from '../tests/support/npm-package'

const RUNS = Number(process.env.BENCH_RUNS ?? 10)
const TARGET = 5
const root = resolve(import.meta.dirname, '..')
const BARE = [
  '-e',
  "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')"
]

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.on('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => done(port))
    })
  })
}

/** One GET /health; resolves true on a 200. */
function healthy(port: number): Promise<boolean> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      res.resume()
      done(res.statusCode === 200)
    })
    req.on('error', () => done(false))
    req.end()
  })
}

/** Milliseconds from spawn to the first 200 from /health; the process is then stopped. */
async function timeToReady(command: string, args: (port: number) => string[]): Promise<number> {
  const port = await freePort()
  const started = performance.now()
  const child = spawn(command, args(port), { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  let exited = false
  const gone = new Promise<void>((done) =>
    child.on('exit', () => {
      exited = true
      done()
    })
  )
  try {
    for (;;) {
      if (await healthy(port)) return performance.now() - started
      if (exited) throw new Error(`${command} exited before serving: ${stderr}`)
      // A short pause between refused connections, so that polling does not starve the child.
      await new Promise((r) => setTimeout(r, 2))
    }
  } finally {
    child.kill('SIGKILL')
    await gone
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function main(): Promise<number> {
  const at = process.argv.indexOf('--entry')
  const entry = at > 0 ? resolve(process.argv[at + 1] ?? '') : undefined
  const local = process.argv.includes('--local') || entry !== undefined
  let pkg: InstalledPackage | undefined
  let llmnet: { command: string; args: (port: number) => string[]; label: string }
  const example = (dir: string): string => join(dir, 'examples', 'dual-expert.json')
  if (local) {
    llmnet = {
      command: process.execPath,
      args: (port) => [
        entry ?? join(root, 'bench', 'run-cli.mjs'),
        'run',
        '--port',
        `${port}`,
        example(root)
      ],
      label: entry ? `node ${entry} run` : 'node bench/run-cli.mjs run (out/cli/cli.mjs)'
    }
  } else {
    process.stdout.write('packing and installing llmnet into a temp prefix…\n')
    const installed = await packAndInstall()
    pkg = installed
    llmnet = {
      command: installed.bin,
      args: (port) => ['run', '--port', `${port}`, example(installed.packageDir)],
      label: 'installed `llmnet run` (npm pack → npm install --prefix)'
    }
  }
  try {
    const bare: number[] = []
    const ours: number[] = []
    // One unmeasured round first: the file system cache, not start-up, would dominate it.
    await timeToReady(process.execPath, (port) => [...BARE, `${port}`])
    await timeToReady(llmnet.command, llmnet.args)
    for (let i = 0; i < RUNS; i++) {
      bare.push(await timeToReady(process.execPath, (port) => [...BARE, `${port}`]))
      ours.push(await timeToReady(llmnet.command, llmnet.args))
    }
    const ratio = median(ours) / median(bare)
    const fmt = (ms: number): string => ms.toFixed(0).padStart(6)
    process.stdout.write(
      [
        `\nstart-up to the first 200 from GET /health, ${RUNS} alternating runs (Node ${process.version})`,
        `llmnet: ${llmnet.label}`,
        '',
        '| run | bare node:http (ms) | llmnet run (ms) |',
        '|---:|---:|---:|',
        ...bare.map((b, i) => `| ${i + 1} | ${fmt(b)} | ${fmt(ours[i]!)} |`),
        `| **median** | ${fmt(median(bare))} | ${fmt(median(ours))} |`,
        '',
        `ratio of medians: ${ratio.toFixed(2)}× (target: at most ${TARGET}×) → ${
          ratio <= TARGET ? 'OK' : 'MISSED'
        }`,
        ''
      ].join('\n')
    )
    return ratio <= TARGET ? 0 : 1
  } finally {
    pkg?.remove()
  }
}

process.exitCode = await main()
