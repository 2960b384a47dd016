/**
 * `npm run bench:routing`: routing decisions and answers on one local llama.cpp model (a generated
 * GGUF: random weights, real inference code), on a realistic mix: one router and three experts on
 * the same model, short, long and multi-turn conversations, several clients at once. It reports,
 * per kind of decision, the tokens evaluated, reused (cached) and sampled and the time, for
 * llmnet's prompt layout and for the Rust llmnet's, then streamed against unstreamed tokens per
 * second (and the worker's CPU time, on Linux).
 *
 * Environment: `BENCH_ROUTING_MODEL=large` uses a ~50 MB model instead of the 0.5 MB one;
 * `BENCH_CLIENTS` (default 3) and `BENCH_CONVERSATIONS` (per client, default 4) size the mix;
 * `BENCH_STREAM_TOKENS` (default 200) the streaming comparison; `BENCH_THREADS` overrides the
 * worker's default thread count.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ArchitectureNode } from '../src/shared/config/schema'
import type { ChatMessage } from '../src/shared/openai/chat'
import { routingMessages } from '../src/main/core/engine/routing'
import { LlamaCppProcess } from '../src/main/core/local/process'
import { writeTinyGguf } from '../src/main/core/local/tiny-gguf'
import { choiceSchema } from '../src/main/core/providers/provider'

const LARGE = process.env.BENCH_ROUTING_MODEL === 'large'
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 3)
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 4)
const STREAM_TOKENS = Number(process.env.BENCH_STREAM_TOKENS ?? 200)
const THREADS = process.env.BENCH_THREADS ? Number(process.env.BENCH_THREADS) : undefined

const experts = [
  { name: 'billing', 'use-case': 'Invoices, payments, refunds, prices, subscriptions and plans' },
  { name: 'technical-support', 'use-case': 'Errors, crashes, installation, configuration' },
  { name: 'sales', 'use-case': 'Product questions before buying, demos, quotes, availability' },
  { name: 'account', 'use-case': 'Login problems, passwords, two-factor authentication' }
] as unknown as ArchitectureNode[]

const SHORT = [
  'I was charged twice this month, can I get my money back?',
  'The app crashes when I open the settings page.',
  'Do you offer a discount for teams of twenty people?',
  'I forgot my password and the reset email never arrives.'
]
const LONG_BODY =
  'Here is the full log and what I tried so far. I restarted the service, cleared the cache, ' +
  'reinstalled the client, checked the firewall rules and the proxy settings, and compared the ' +
  'configuration with a colleague whose installation works. The error appears after a few minutes ' +
  'and then every request fails until the next restart. '
const FOLLOW_UPS = ['Thanks. And what about last month?', 'It still does not work, what next?']

type Kind = 'short' | 'long' | 'multi-turn'

/** One conversation: its kind and the user turns. */
function conversation(client: number, i: number): { kind: Kind; turns: string[] } {
  const base = SHORT[(client + i) % SHORT.length] as string
  const kinds: Kind[] = ['short', 'long', 'multi-turn']
  const kind = kinds[(client + i) % 3] as Kind
  if (kind === 'long') return { kind, turns: [`${base} ${LONG_BODY.repeat(3)}`] }
  if (kind === 'multi-turn') return { kind, turns: [base, ...FOLLOW_UPS] }
  return { kind, turns: [base] }
}

/** The Rust llmnet's layout: the text first, then the candidates as JSON, a free-text answer. */
function originalMessages(text: string): ChatMessage[] {
  const list = JSON.stringify(
    experts.map((c) => ({ name: c.name, 'use-case': c['use-case'] })),
    null,
    2
  )
  return [
    {
      role: 'user',
      content: `Here is the input to route:\n\n${text}\n\nPick the node best suited to handle this input and reply with just its name. The nodes are:\n${list}`
    }
  ]
}

type Layout = 'llmnet' | 'original'

function decisionBody(layout: Layout, text: string): Record<string, unknown> {
  if (layout === 'original')
    return { messages: originalMessages(text), temperature: 0.1, max_tokens: 100 }
  return {
    messages: routingMessages(experts, text),
    temperature: 0,
    max_tokens: 64,
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'route', strict: true, schema: choiceSchema(experts.map((e) => e.name)) }
    }
  }
}

interface Usage {
  prompt_tokens: number
  completion_tokens: number
  prompt_tokens_details?: { cached_tokens?: number }
  completion_tokens_details?: { sampled_tokens?: number }
}

async function complete(
  baseUrl: string,
  body: Record<string, unknown>
): Promise<{ text: string; usage: Usage; ms: number }> {
  const started = performance.now()
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bench', ...body })
  })
  if (!res.ok) throw new Error(`worker answered ${res.status}: ${await res.text()}`)
  const json = (await res.json()) as { choices: { message: { content: string } }[]; usage: Usage }
  return {
    text: json.choices[0]?.message.content ?? '',
    usage: json.usage,
    ms: performance.now() - started
  }
}

interface Decision {
  kind: Kind
  first: boolean
  prompt: number
  evaluated: number
  cached: number
  generated: number
  ms: number
}

/** Runs the mix on a fresh worker: each client's conversations, decision then expert answer. */
async function runMix(modelPath: string, layout: Layout): Promise<Decision[]> {
  const handle = new LlamaCppProcess({
    modelPath,
    parallel: 2,
    contextSize: 2048,
    threads: THREADS
  })
  const baseUrl = await handle.ensureStarted()
  const decisions: Decision[] = []
  let first = true
  const client = async (c: number): Promise<void> => {
    for (let i = 0; i < CONVERSATIONS; i++) {
      const { kind, turns } = conversation(c, i)
      const history: ChatMessage[] = []
      for (const turn of turns) {
        const isFirst = first
        first = false
        const d = await complete(baseUrl, decisionBody(layout, turn))
        const cached = d.usage.prompt_tokens_details?.cached_tokens ?? 0
        decisions.push({
          kind,
          first: isFirst,
          prompt: d.usage.prompt_tokens,
          evaluated: d.usage.prompt_tokens - cached,
          cached,
          generated: d.usage.completion_tokens_details?.sampled_tokens ?? d.usage.completion_tokens,
          ms: d.ms
        })
        // The expert's answer on the same model, with the conversation so far.
        const expert = experts[(c + i) % experts.length] as ArchitectureNode
        history.push({ role: 'user', content: turn })
        const answer = await complete(baseUrl, {
          messages: [
            {
              role: 'system',
              content: `You are the ${expert.name} expert. ${expert['use-case']}.`
            },
            ...history
          ],
          max_tokens: 24,
          temperature: 0.7,
          seed: i
        })
        history.push({ role: 'assistant', content: answer.text })
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)))
  await handle.stop()
  return decisions
}

/** The worker's CPU time (user + system, ms) from /proc, or undefined off Linux. */
function cpuMs(pid: number | null): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** Streamed against unstreamed generation of the same answer (same seed), alternating 3 times. */
async function streaming(modelPath: string): Promise<string[]> {
  const handle = new LlamaCppProcess({
    modelPath,
    parallel: 1,
    contextSize: 2048,
    threads: THREADS
  })
  const baseUrl = await handle.ensureStarted()
  const pid = handle.status().pid
  const body = (stream: boolean): string =>
    JSON.stringify({
      model: 'bench',
      messages: [{ role: 'user', content: 'Tell me a long story.' }],
      max_tokens: STREAM_TOKENS,
      temperature: 0.8,
      seed: 3,
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {})
    })
  const runs: Record<'streamed' | 'unstreamed', { tps: number[]; cpu: number[] }> = {
    streamed: { tps: [], cpu: [] },
    unstreamed: { tps: [], cpu: [] }
  }
  for (let round = 0; round < 3; round++) {
    for (const stream of [false, true]) {
      const cpu0 = cpuMs(pid)
      const started = performance.now()
      const res = await fetch(`${baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(stream)
      })
      const text = await res.text()
      const ms = performance.now() - started
      const cpu1 = cpuMs(pid)
      const usage = stream
        ? (JSON.parse(
            text
              .split('\n')
              .filter((l) => l.startsWith('data: {'))
              .at(-1)
              ?.slice(6) ?? '{}'
          ) as { usage: Usage })
        : (JSON.parse(text) as { usage: Usage })
      const r = runs[stream ? 'streamed' : 'unstreamed']
      r.tps.push(usage.usage.completion_tokens / (ms / 1000))
      if (cpu0 !== undefined && cpu1 !== undefined) r.cpu.push(cpu1 - cpu0)
    }
  }
  const threads = handle.status().threads
  await handle.stop()
  const median = (xs: number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  const rows = [
    `${STREAM_TOKENS} tokens, worker threads ${threads}, median of 3 alternating runs`,
    '',
    '| mode | tokens/s | worker CPU ms |',
    '|---|---|---|'
  ]
  for (const [mode, r] of Object.entries(runs)) {
    rows.push(
      `| ${mode} | ${median(r.tps).toFixed(1)} | ${r.cpu.length ? median(r.cpu).toFixed(0) : 'n/a'} |`
    )
  }
  const ratio = median(runs.streamed.tps) / median(runs.unstreamed.tps)
  rows.push('', `streamed / unstreamed tokens per second: ${ratio.toFixed(2)}`)
  return rows
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
const max = (xs: number[]): number => Math.max(...xs)

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'llmnet-routing-'))
  try {
    const model = await writeTinyGguf(join(dir, 'bench.gguf'), {
      seed: 11,
      // The default shape is the tests' 0.5 MB model; 4 × 512 makes a ~50 MB one.
      ...(LARGE ? { layers: 4, width: 512 } : {})
    })
    process.stdout.write(
      `routing on a generated ${model.layers}-layer, ${model.width}-wide llama model (${(model.bytes / 1e6).toFixed(1)} MB), ` +
        `${CLIENTS} concurrent clients × ${CONVERSATIONS} conversations (short, long, multi-turn), router and experts on one worker ` +
        `(2 slots), ${availableParallelism()} CPUs, node ${process.version}\n\n`
    )
    const rows = [
      '| layout | decisions | prompt tokens (mean) | evaluated mean / max | cached (mean) | generated mean / max | ms mean / max |',
      '|---|---|---|---|---|---|---|'
    ]
    for (const layout of ['llmnet', 'original'] as const) {
      const all = await runMix(model.path, layout)
      const groups: [string, Decision[]][] = [
        ['first', all.filter((d) => d.first)],
        ...(['short', 'long', 'multi-turn'] as const).map((k): [string, Decision[]] => [
          `later, ${k}`,
          all.filter((d) => !d.first && d.kind === k)
        ])
      ]
      for (const [name, ds] of groups) {
        if (ds.length === 0) continue
        rows.push(
          `| ${layout}: ${name} | ${ds.length} | ${mean(ds.map((d) => d.prompt)).toFixed(0)} | ` +
            `${mean(ds.map((d) => d.evaluated)).toFixed(1)} / ${max(ds.map((d) => d.evaluated))} | ` +
            `${mean(ds.map((d) => d.cached)).toFixed(0)} | ` +
            `${mean(ds.map((d) => d.generated)).toFixed(1)} / ${max(ds.map((d) => d.generated))} | ` +
            `${mean(ds.map((d) => d.ms)).toFixed(1)} / ${max(ds.map((d) => d.ms)).toFixed(1)} |`
        )
      }
    }
    process.stdout.write(`${rows.join('\n')}\n\n`)
    process.stdout.write(`${(await streaming(model.path)).join('\n')}\n`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
