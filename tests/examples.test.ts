/**
 * Every example in examples/ runs end to end: its architecture unchanged, every model pointed at a
 * fake OpenAI upstream, one chat request through HTTP with the official `openai` client.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseJsonc } from 'jsonc-parser'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { createRuntime, type Runtime } from '../src/main/runtime'
import { parseEvalCases } from '../src/shared/eval/cases'
import { engineCaseRunner, runEval } from '../src/main/core/eval/run-eval'
import { defaultResponder, type FakeUpstream, startFakeUpstream } from './support/fake-openai'
import { hookServer } from './support/hook-server'
import { isRouterCall, type Json, openaiClient, tempDir } from './support/harness'

const EXAMPLES = path.resolve(__dirname, '..', 'examples')
const FILES = readdirSync(EXAMPLES)
  .filter((f) => /\.(json|jsonc|ya?ml)$/i.test(f))
  .sort()
const OPENROUTER_KEY = 'sk-or-test-key'

const isYaml = (file: string): boolean => /\.ya?ml$/i.test(file)

/** Examples whose answer is not the model's text (a transform hook rewrites it): tested below. */
const TRANSFORMED = new Set(['calculator.json'])

/**
 * The example with each model replaced by an external model at `url` (keys and api-key kept),
 * and REST functions pointed at `hookUrl`.
 */
function rewrite(file: string, url: string, hookUrl = url): { text: string; composition: Json } {
  const source = readFileSync(path.join(EXAMPLES, file), 'utf8')
  const composition = (isYaml(file) ? parseYaml(source) : parseJsonc(source)) as Json
  const models = composition.models as Record<string, Json>
  for (const [key, model] of Object.entries(models)) {
    models[key] = {
      type: 'external',
      url,
      ...(model['api-key'] ? { 'api-key': model['api-key'] } : {})
    }
  }
  for (const fn of Object.values((composition.functions ?? {}) as Record<string, Json>)) {
    if (fn.type === 'rest') fn.url = `${hookUrl}${new URL(String(fn.url)).pathname}`
  }
  return {
    text: isYaml(file) ? stringifyYaml(composition) : JSON.stringify(composition, null, 2),
    composition
  }
}

describe('examples run end to end', () => {
  let up: FakeUpstream
  let runtime: Runtime
  let baseUrl: string
  const tmp = tempDir('llmnet-examples-')
  const nodeNames = new Map<string, Set<string>>()

  let hooks: Awaited<ReturnType<typeof hookServer>>

  beforeAll(async () => {
    up = await startFakeUpstream()
    hooks = await hookServer()
    runtime = createRuntime({ env: { OPENROUTER_API_KEY: OPENROUTER_KEY } })
    // Files the examples refer to (env files for secrets) go along.
    for (const extra of readdirSync(EXAMPLES).filter((f) => f.endsWith('.env'))) {
      copyFileSync(path.join(EXAMPLES, extra), path.join(tmp.dir, extra))
    }
    for (const file of FILES) {
      const { text, composition } = rewrite(file, up.url, hooks.url)
      const target = path.join(tmp.dir, file)
      writeFileSync(target, text)
      const loaded = await runtime.pipelineService.loadFile(target)
      expect(
        loaded.diagnostics.filter((d) => d.severity === 'error'),
        file
      ).toEqual([])
      nodeNames.set(
        loaded.id,
        new Set((composition.architecture as { name: string }[]).map((n) => n.name))
      )
    }
    baseUrl = (await runtime.listen(0)).url
  })

  afterAll(async () => {
    await runtime?.stop()
    await up?.close()
    await hooks?.close()
    tmp.remove()
  })

  beforeEach(() => {
    up.requests.length = 0
    up.setResponder(defaultResponder)
  })

  async function chat(
    model: string,
    content: string
  ): Promise<{ answer: string | null | undefined; route: string[] }> {
    const { data, response } = await openaiClient(baseUrl)
      .chat.completions.create({ model, messages: [{ role: 'user', content }] })
      .withResponse()
    expect(response.status).toBe(200)
    const route = response.headers.get('x-llmnet-route')?.split('>') ?? []
    return { answer: data.choices[0]?.message.content, route }
  }

  it('finds the examples (fails if the directory moved and the loop below silently tests nothing)', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(5)
    expect(FILES).toContain('openrouter.json')
    expect(FILES).toContain('conditional-routing.json')
  })

  it.each(FILES.filter((f) => !TRANSFORMED.has(f)))(
    '%s answers with a route that ends in output (fails if a shipped example no longer runs)',
    async (file) => {
      const id = path.basename(file, path.extname(file))
      const { answer, route } = await chat(id, 'Why is the sky blue?')
      expect(answer).toMatch(/ says: Why is the sky blue\?$/)
      expect(route.at(-1)).toBe('output')
      expect(route.length).toBeGreaterThanOrEqual(2)
      for (const node of route)
        expect(nodeNames.get(id)?.has(node), `${node} is a node of ${id}`).toBe(true)
      // at least one node really answered through the upstream
      expect(up.requests.filter((r) => !isRouterCall(r)).length).toBeGreaterThanOrEqual(1)
    }
  )

  it('openrouter.json sends the key from $OPENROUTER_API_KEY and the per-node model_override (fails if the env key or overrides are lost)', async () => {
    const { route } = await chat('openrouter', 'What is 7 times 8?')
    expect(route).toEqual(['dispatcher', 'math-tutor', 'output'])
    expect(up.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${OPENROUTER_KEY}`,
      `Bearer ${OPENROUTER_KEY}`
    ])
    expect(up.requests.map((r) => r.body.model)).toEqual([
      'meta-llama/llama-3.2-3b-instruct:free',
      'qwen/qwen-2.5-7b-instruct:free'
    ])
  })

  it('conditional-routing.json takes different routes for a short and a long prompt, without a router call (fails if the conditions do not steer)', async () => {
    const short = await chat('conditional-routing', 'What is 2+2?')
    const long = await chat(
      'conditional-routing',
      'Could you please explain in detail how the immune system recognises and fights a virus it has never seen before?'
    )
    expect(short.route).toEqual(['gate', 'quick-answer', 'output'])
    expect(long.route).toEqual(['gate', 'thorough-answer', 'fact-checker', 'output'])
    expect(short.route).not.toEqual(long.route)
    expect(up.requests.some(isRouterCall)).toBe(false)
  })

  it('calculator.json multiplies exactly in its shell post hook (fails if the transform hook or the shell function breaks)', async () => {
    up.setResponder(() => ({ content: 'Sure: {"a": 12, "b": 34}' }))
    const { answer, route } = await chat('calculator', 'What is twelve times thirty-four?')
    expect(answer).toBe('12 × 34 = 408')
    expect(route).toEqual(['extractor', 'output'])
  })

  it('audit-logging.json posts every answer with the secret from audit.env in its header, without delaying the reply (fails if secrets or observe hooks break)', async () => {
    const traced = new Promise<void>((resolve) => {
      const off = runtime.events.on('trace', (t) => {
        if (t.pipeline === 'audit-logging') {
          off()
          resolve()
        }
      })
    })
    const { answer } = await chat('audit-logging', 'Where is my parcel?')
    expect(answer).toBe('assistant says: Where is my parcel?')
    await traced
    const call = hooks.calls.findLast((c) => c.path === '/audit')
    expect(call?.headers.authorization).toBe('Bearer replace-with-your-audit-token')
    expect(call?.body).toMatchObject({
      node: 'assistant',
      question: 'Where is my parcel?',
      answer: 'assistant says: Where is my parcel?',
      words: 6
    })
  })

  it('every example with a router has an eval set in examples/evals/ whose routes name its nodes, and it runs', async () => {
    const withRouter = FILES.filter((f) => {
      const { composition } = rewrite(f, up.url)
      return (composition.architecture as { layer?: number }[]).some((n) => (n.layer ?? 0) >= 1)
    })
    expect(withRouter.length).toBeGreaterThanOrEqual(5)
    for (const file of withRouter) {
      const id = file.replace(/\.(json|ya?ml)$/, '')
      const text = readFileSync(path.join(EXAMPLES, 'evals', `${id}.jsonl`), 'utf8')
      const { cases, diagnostics } = parseEvalCases(text)
      expect(diagnostics, id).toEqual([])
      expect(cases.length, id).toBeGreaterThanOrEqual(5)
      const nodes = nodeNames.get(id) as Set<string>
      for (const c of cases) {
        const routes = c.expect.route === undefined ? [] : [c.expect.route].flat()
        for (const r of routes)
          expect(nodes.has(r), `${id}: ${c.id} expects unknown node ${r}`).toBe(true)
      }
      const pipeline = runtime.pipelines.get(id)
      if (!pipeline) throw new Error(`${id} is not loaded`)
      const report = await runEval(id, cases, engineCaseRunner(runtime.engine, pipeline), {
        concurrency: 4
      })
      expect([report.total, report.errors], id).toEqual([cases.length, 0])
      expect(report.routing.cases, id).toBe(cases.length)
    }
  })
})
