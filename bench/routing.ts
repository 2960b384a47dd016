/**
 * `npm run bench:routing`: the cost of one routing decision on a local llama.cpp model (the
 * generated test model: random weights, real inference code), on the first request and on later
 * ones, for llmnet's router (constant prefix first, JSON-schema grammar, short answer) and for a
 * prompt in the original's style (user text first, free-text answer of up to 100 tokens).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ArchitectureNode } from '../src/shared/config/schema'
import { routingMessages } from '../src/main/core/engine/routing'
import { LlamaCppProcess } from '../src/main/core/local/process'
import { writeTinyGguf } from '../src/main/core/local/tiny-gguf'
import { choiceSchema } from '../src/main/core/providers/provider'

const LATER = Number(process.env.BENCH_REQUESTS ?? 8)
const candidates = [
  {
    name: 'billing',
    'use-case': 'Invoices, payments, refunds, prices, subscriptions and plan changes'
  },
  {
    name: 'technical-support',
    'use-case': 'Errors, crashes, installation problems, configuration, connectivity'
  },
  { name: 'sales', 'use-case': 'Product questions before buying, demos, quotes, availability' },
  {
    name: 'account',
    'use-case': 'Login problems, passwords, two-factor authentication, profile changes'
  }
] as unknown as ArchitectureNode[]
const questions = [
  'I was charged twice this month, can I get my money back?',
  'The app crashes when I open the settings page.',
  'Do you offer a discount for teams of twenty people?',
  'I forgot my password and the reset email never arrives.',
  'Why did my invoice go up after the last update?',
  'The sync keeps failing with error 502 since yesterday.',
  'Can I try the enterprise plan before we decide?',
  'How do I turn on two-factor authentication?',
  "Where do I download last year's receipts?"
]

/** The original's style: the user text first, then the candidates, free-text answer. */
function originalStyle(text: string): { role: 'user'; content: string }[] {
  const list = JSON.stringify(
    candidates.map((c) => ({ name: c.name, 'use-case': c['use-case'] })),
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

interface Sample {
  ms: number
  prompt: number
  evaluated: number
  generated: number
}

async function call(baseUrl: string, body: Record<string, unknown>): Promise<Sample> {
  const started = performance.now()
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  const json = (await res.json()) as {
    usage: {
      prompt_tokens: number
      completion_tokens: number
      prompt_tokens_details?: { cached_tokens?: number }
    }
  }
  const ms = performance.now() - started
  const cached = json.usage.prompt_tokens_details?.cached_tokens ?? 0
  return {
    ms,
    prompt: json.usage.prompt_tokens,
    evaluated: json.usage.prompt_tokens - cached,
    generated: json.usage.completion_tokens
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'llmnet-routing-'))
  const model = await writeTinyGguf(join(dir, 'bench.gguf'), { seed: 11, layers: 4, width: 128 })
  const rows: string[] = []
  const styles = {
    llmnet: (q: string) => ({
      model: 'bench',
      messages: routingMessages(candidates, q),
      temperature: 0,
      max_tokens: 64,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'route',
          strict: true,
          schema: choiceSchema(candidates.map((c) => c.name))
        }
      }
    }),
    original: (q: string) => ({
      model: 'bench',
      messages: originalStyle(q),
      temperature: 0.1,
      max_tokens: 100
    })
  }
  process.stdout.write(
    `routing decision cost on a generated ${model.layers}-layer, ${model.width}-wide llama model (${(model.bytes / 1e6).toFixed(1)} MB), 1 thread, node ${process.version}\n\n`
  )
  rows.push(
    '| prompt style | request | prompt tokens | evaluated | generated | ms |',
    '|---|---|---|---|---|---|'
  )
  for (const [name, build] of Object.entries(styles)) {
    // A fresh process per style, so the first request of each really is the first.
    const handle = new LlamaCppProcess({
      modelPath: model.path,
      threads: 1,
      parallel: 1,
      contextSize: 2048
    })
    const baseUrl = await handle.ensureStarted()
    const first = await call(baseUrl, build(questions[0] ?? ''))
    const later: Sample[] = []
    for (let i = 1; i <= LATER; i++)
      later.push(await call(baseUrl, build(questions[i % questions.length] ?? '')))
    await handle.stop()
    rows.push(
      `| ${name} | first | ${first.prompt} | ${first.evaluated} | ${first.generated} | ${first.ms.toFixed(1)} |`
    )
    rows.push(
      `| ${name} | later (mean of ${LATER}) | ${mean(later.map((s) => s.prompt)).toFixed(0)} | ${mean(later.map((s) => s.evaluated)).toFixed(0)} | ${mean(later.map((s) => s.generated)).toFixed(0)} | ${mean(later.map((s) => s.ms)).toFixed(1)} |`
    )
  }
  process.stdout.write(`${rows.join('\n')}\n`)
  rmSync(dir, { recursive: true, force: true })
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
