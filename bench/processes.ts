/**
 * @module Child processes of the benchmarks: start one and learn its port, and read its CPU time
 * and resident memory from /proc.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Pool } from 'undici'

/** The repository root. */
export const root = resolve(import.meta.dirname, '..')

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100)

/**
 * Spawns `cmd args` in the repository and resolves with its port once it prints
 * `LISTENING <port>` (our fake upstreams) or a `127.0.0.1:<port>/v1` URL (`llmnet run`).
 */
export function startProcess(
  cmd: string,
  args: string[]
): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' }
    })
    let out = ''
    const onData = (b: Buffer): void => {
      out += b.toString()
      const m = /LISTENING (\d+)|127\.0\.0\.1:(\d+)\/v1/.exec(out)
      if (m) {
        child.stdout?.off('data', onData)
        res({ child, port: Number(m[1] ?? m[2]) })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (b: Buffer) => process.stderr.write(b))
    child.once('exit', (code) =>
      rej(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${out}`))
    )
  })
}

/** Starts `llmnet run FILE` from the CLI bundle on a free port, with `nodeArgs` for node itself. */
export function startLlmnet(
  file: string,
  nodeArgs: string[] = []
): Promise<{ child: ChildProcess; port: number }> {
  const cli = join(root, 'bench/run-cli.mjs')
  return startProcess(process.execPath, [
    ...nodeArgs,
    cli,
    'run',
    file,
    '--port',
    '0',
    '--no-watch'
  ])
}

/** User + system CPU time of a process so far (ms). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}

/** Resident set size of a process (MB). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : 0
}

/** The p-th percentile of `xs` (nearest rank). */
export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN
}

/**
 * Starts `llmnet serve` on a fresh data folder and deploys `file` into its library through the
 * control API, so requests run with the app runtime's trace persistence on.
 */
export async function startServe(
  file: string,
  dataDir: string,
  name: string
): Promise<{ child: ChildProcess; port: number }> {
  const cli = join(root, 'bench/run-cli.mjs')
  const started = await startProcess(process.execPath, [
    cli,
    'serve',
    '--port',
    '0',
    '--data-dir',
    dataDir
  ])
  const token = readFileSync(join(dataDir, 'access-token'), 'utf8').trim()
  const res = await fetch(`http://127.0.0.1:${started.port}/api/pipelines.save`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name, text: readFileSync(file, 'utf8'), format: 'json' })
  })
  const saved = (await res.json()) as { ok: boolean }
  if (!saved.ok) throw new Error(`deploying ${file} failed: ${JSON.stringify(saved)}`)
  return started
}

/**
 * Writes the benchmarks' 1-0-1 pipeline (one node that answers with the `up` model at
 * `upstreamUrl`, then the output) as `dir`/proxy.json, and returns its path. Clients address it
 * as model `proxy` (the file's name).
 */
export function writeProxyPipeline(dir: string, upstreamUrl: string): string {
  const file = join(dir, 'proxy.json')
  writeFileSync(
    file,
    JSON.stringify({
      models: { up: { type: 'external', url: upstreamUrl } },
      architecture: [
        { name: 'chat', layer: 0, model: 'up', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'output', adapter: 'output' }
      ]
    })
  )
  return file
}

/** One chat completion request through `pool`, its answer read to the end; throws unless 200. */
export async function postChat(pool: Pool, body: string): Promise<void> {
  const res = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body
  })
  for await (const _ of res.body);
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`)
}
