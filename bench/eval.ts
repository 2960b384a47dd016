/**
 * `npm run bench:eval`: what `llmnet eval` adds to the time the same requests take sent by a plain
 * client. One `llmnet serve` holds a router pipeline with two experts; each round sends the same
 * 200 cases (concurrency 4) once as plain `/v1/chat/completions` requests from this process and
 * once as an evaluation run inside the server (`evals.run`, the path `llmnet eval NAME` and the Eval
 * page take), alternating which goes first. Two pipelines: every model on a mock OpenAI upstream
 * (the overhead alone), and every model on a generated tiny GGUF through llama.cpp (real inference).
 *
 * Environment: `BENCH_EVAL_CASES` (default 200), `BENCH_EVAL_ROUNDS` (default 3).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeTinyGguf } from '../src/main/core/local/tiny-gguf'
import { startServe } from './processes'

const CASES = Number(process.env.BENCH_EVAL_CASES ?? 200)
const ROUNDS = Number(process.env.BENCH_EVAL_ROUNDS ?? 3)
const CONCURRENCY = 4
const TARGET = 1.05

const INPUTS = [
  'I was charged twice for my invoice this month',
  'My laptop does not start after the update',
  'Can I get a refund for the annual plan?',
  'The printer shows an error and stops'
]

/** A mock upstream that routes by keyword and answers at once. */
function mockUpstream(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c))
    req.on('end', () => {
      const parsed = JSON.parse(body || '{}') as {
        messages?: { role: string; content: string }[]
        response_format?: {
          json_schema?: { schema?: { properties?: { route?: { enum?: string[] } } } }
        }
      }
      const user =
        [...(parsed.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? ''
      const options = parsed.response_format?.json_schema?.schema?.properties?.route?.enum
      const content = options
        ? JSON.stringify({ route: /invoice|refund|charge/.test(user) ? 'billing' : 'tech' })
        : 'Here is what to do next.'
      res.setHeader('content-type', 'application/json')
      res.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }
        })
      )
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      resolve({ server, url: `http://127.0.0.1:${port}/v1` })
    })
  )
}

function composition(model: Record<string, unknown>): string {
  const node = { model: 'm', adapter: 'openai-api', 'extra-options': { max_tokens: 8 } }
  return JSON.stringify({
    models: { m: model },
    architecture: [
      { name: 'router', layer: 0, ...node, 'output-to': [1] },
      {
        name: 'billing',
        layer: 1,
        ...node,
        'use-case': 'Invoices, refunds, charges',
        'output-to': ['output']
      },
      {
        name: 'tech',
        layer: 1,
        ...node,
        'use-case': 'Devices and errors',
        'output-to': ['output']
      },
      { name: 'output', adapter: 'output' }
    ]
  })
}

async function plainClient(base: string, inputs: string[]): Promise<number> {
  const started = performance.now()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const content = inputs[next++] as string
      const res = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'bench', messages: [{ role: 'user', content }] })
      })
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`)
      await res.json()
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return performance.now() - started
}

async function evalRun(base: string, token: string, cases: string): Promise<number> {
  const call = async (route: string, input: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${base}/api/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(input)
    })
    const body = (await res.json()) as {
      ok: boolean
      data: Record<string, unknown>
      error?: unknown
    }
    if (!body.ok) throw new Error(`${route}: ${JSON.stringify(body.error)}`)
    return body.data
  }
  const started = await call('evals.run', {
    cases,
    target: { pipeline: 'bench' },
    concurrency: CONCURRENCY
  })
  for (;;) {
    const run = await call('evals.run_get', { id: started.id })
    if (run.status === 'done') {
      const report = run.report as { durationMs: number; errors: number; total: number }
      if (report.errors > 0)
        throw new Error(`${report.errors} of ${report.total} eval cases failed to run`)
      return report.durationMs
    }
    if (run.status !== 'running')
      throw new Error(`eval run ${String(run.status)}: ${String(run.error)}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

async function measure(
  label: string,
  model: Record<string, unknown>,
  dir: string
): Promise<boolean> {
  const file = join(dir, `bench.json`)
  writeFileSync(file, composition(model))
  const data = mkdtempSync(join(dir, 'data-'))
  const { child, port } = await startServe(file, data, 'bench')
  const base = `http://127.0.0.1:${port}`
  const token = readFileSync(join(data, 'access-token'), 'utf8').trim()
  try {
    const inputs = Array.from({ length: CASES }, (_, i) => `${INPUTS[i % INPUTS.length]} (#${i})`)
    const cases = inputs.map((input, i) => JSON.stringify({ id: `c${i}`, input })).join('\n')
    await plainClient(base, inputs.slice(0, 8)) // warm-up: the model is loaded, the slots filled
    const client: number[] = []
    const evals: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        client.push(await plainClient(base, inputs))
        evals.push(await evalRun(base, token, cases))
      } else {
        evals.push(await evalRun(base, token, cases))
        client.push(await plainClient(base, inputs))
      }
    }
    const ratio = median(evals) / median(client)
    const ok = ratio <= TARGET
    console.log(
      `${label.padEnd(22)} plain client ${median(client).toFixed(0).padStart(6)} ms   llmnet eval ${median(evals).toFixed(0).padStart(6)} ms   ratio ${ratio.toFixed(3)}  ${ok ? 'ok' : `over ${TARGET}`}`
    )
    return ok
  } finally {
    child.kill('SIGTERM')
  }
}

const dir = mkdtempSync(join(tmpdir(), 'llmnet-bench-eval-'))
try {
  console.log(
    `bench:eval: ${CASES} cases at concurrency ${CONCURRENCY}, ${ROUNDS} alternating rounds (median), llmnet serve, node ${process.version}`
  )
  const upstream = await mockUpstream()
  const gguf = join(dir, 'tiny.gguf')
  await writeTinyGguf(gguf)
  const results = [
    await measure('mock upstream', { type: 'external', url: upstream.url }, dir),
    await measure(
      'tiny GGUF (llama.cpp)',
      { runner: 'llama-cpp', source: gguf, parameters: { n_ctx: 1024 } },
      dir
    )
  ]
  upstream.server.close()
  console.log(results.every(Boolean) ? 'All targets met.' : 'A target was missed.')
  if (!results.every(Boolean)) process.exitCode = 1
} finally {
  rmSync(dir, { recursive: true, force: true })
}
