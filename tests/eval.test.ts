/**
 * `llmnet eval` and the `evals` control routes against real pipelines: a router over a fake
 * OpenAI-compatible upstream that routes by keyword, so the expected confusion matrix is known.
 * Headless on composition files (in process, and once as a child process for the exit code), and
 * on a real app runtime (SQLite, `/api`) through the routes and the CLI's `local` context.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProgram } from '../src/main/cli/program'
import type { CliIO } from '../src/main/cli/io'
import { EXIT } from '../src/main/cli/exit-codes'
import type { Envelope } from '../src/shared/contract/errors'
import type { OutputOf, RequestOf, RouteName } from '../src/shared/contract/routes'
import type { EvalReport } from '../src/shared/eval/score'
import { type AppRuntime, createAppRuntime } from '../src/main/runtime'
import { llmnet } from './support/cli-process'
import { type FakeUpstream, startFakeUpstream } from './support/fake-openai'
import { tempDir } from './support/harness'

/** Routes to "billing" when the user text mentions money, else to "tech"; answers "<model>: refund ok". */
function keywordRouter(up: FakeUpstream): void {
  up.setResponder((req) => {
    const msgs = (req.body?.messages ?? []) as { role: string; content: string }[]
    const user = [...msgs].reverse().find((m) => m.role === 'user')?.content ?? ''
    const schema = req.body?.response_format?.json_schema?.schema
    if (schema) {
      const options = schema.properties.route.enum as string[]
      const want = /invoice|refund|charge/.test(user) ? 'billing' : 'tech'
      return {
        content: JSON.stringify({
          route: options.includes(want) ? want : options.find((o) => o !== 'billing')
        })
      }
    }
    return { content: `${req.body?.model}: refund ok` }
  })
}

function router(url: string, techName = 'tech'): string {
  return JSON.stringify({
    models: {
      small: { type: 'external', url: `${url}/v1` },
      chat: { type: 'external', url: `${url}/v1` }
    },
    architecture: [
      { name: 'router', layer: 0, model: 'small', adapter: 'openai-api', 'output-to': [1] },
      {
        name: 'billing',
        layer: 1,
        model: 'chat',
        adapter: 'openai-api',
        'use-case': 'Invoices',
        'output-to': ['output']
      },
      {
        name: techName,
        layer: 1,
        model: 'chat',
        adapter: 'openai-api',
        'use-case': 'Devices',
        'output-to': ['output']
      },
      { name: 'output', adapter: 'output' }
    ]
  })
}

const CASES = [
  '{"id":"inv","input":"my invoice is wrong","expect":{"route":"billing","contains":"refund"}}',
  '{"id":"chg","input":"a double charge","expect":{"route":"billing"}}',
  '{"id":"dev","input":"my laptop is broken","expect":{"route":"tech"}}',
  '{"id":"mix","input":"refund my broken laptop","expect":{"route":"tech"}}'
].join('\n')

function captureIO(env: NodeJS.ProcessEnv = {}): CliIO & { out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { NO_COLOR: '1', ...env },
    cwd: '/',
    out: () => out,
    err: () => err
  }
}

async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {}
): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO(env)
  let code = 0
  const program = buildProgram(io, (c) => (code = c))
  try {
    await program.parseAsync(['node', 'llmnet', ...args])
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 99
  }
  return { code, out: io.out(), err: io.err() }
}

let up: FakeUpstream
const tmp = tempDir('llmnet-eval-')
let routerFile: string
let renamedFile: string
let casesFile: string
beforeAll(async () => {
  up = await startFakeUpstream()
  keywordRouter(up)
  routerFile = path.join(tmp.dir, 'support.json')
  renamedFile = path.join(tmp.dir, 'support-v2.json')
  casesFile = path.join(tmp.dir, 'cases.jsonl')
  writeFileSync(routerFile, router(up.url))
  // v2 renames "tech" to "devices": the "tech" cases now fail.
  writeFileSync(renamedFile, router(up.url, 'devices'))
  writeFileSync(casesFile, CASES)
})
afterAll(async () => {
  await up.close()
  tmp.remove()
})

describe('llmnet eval on a composition file (headless)', () => {
  it('--json reports cases, passed, failed, accuracy and the confusion matrix; exit 4 when a case fails', async () => {
    const r = await cli(['eval', routerFile, '--cases', casesFile, '--json'])
    expect(r.code).toBe(EXIT.EVAL_FAILED)
    const report = JSON.parse(r.out) as EvalReport
    expect([report.total, report.passed, report.failed]).toEqual([4, 3, 1])
    expect(report.routing.accuracy).toBe(0.75)
    expect(report.routing.confusion).toEqual({
      billing: { billing: 2 },
      tech: { tech: 1, billing: 1 }
    })
    expect(report.cases.find((c) => c.id === 'mix')?.checks[0]?.detail).toContain(
      'router → billing'
    )
    expect(report.latency.overall.count).toBe(4)
  })

  it('passes (exit 0) when every check holds and accuracy meets --min-accuracy; fails on accuracy alone', async () => {
    const good = path.join(tmp.dir, 'good.jsonl')
    writeFileSync(good, CASES.split('\n').slice(0, 3).join('\n'))
    const ok = await cli(['eval', routerFile, '--cases', good, '--min-accuracy', '1'])
    expect(ok.code).toBe(EXIT.OK)
    expect(ok.out).toContain('routing accuracy 100.0% (3/3)')
    expect(ok.out).toMatch(/expected \\ actual\s+billing\s+tech/)
    const routeOnly = path.join(tmp.dir, 'route-only.jsonl')
    writeFileSync(routeOnly, CASES.split('\n')[3] as string)
    const low = await cli(['eval', routerFile, '--cases', routeOnly, '--min-accuracy', '0.5'])
    expect(low.code).toBe(EXIT.EVAL_FAILED)
  })

  it('--against runs the same cases on a second pipeline and lists the cases whose outcome changed', async () => {
    const r = await cli([
      'eval',
      routerFile,
      '--cases',
      casesFile,
      '--against',
      renamedFile,
      '--json'
    ])
    const doc = JSON.parse(r.out) as EvalReport & { against: EvalReport; changed: { id: string }[] }
    expect(doc.routing.accuracy).toBe(0.75)
    expect(doc.against.routing.accuracy).toBe(0.5)
    expect(doc.changed.map((c) => c.id)).toEqual(['dev'])
    const text = await cli(['eval', routerFile, '--cases', casesFile, '--against', renamedFile])
    expect(text.out).toContain('1 case changed')
    expect(text.out).toMatch(/dev: pass \(tech\) → fail \(devices\)/)
  })

  it('reads a promptfoo test file; bad cases are refused at line:column before anything runs (exit 1)', async () => {
    const pf = path.join(tmp.dir, 'promptfooconfig.yaml')
    writeFileSync(
      pf,
      'tests:\n  - vars: { question: "my invoice" }\n    metadata: { route: billing }\n    assert:\n      - type: icontains\n        value: REFUND\n'
    )
    const ok = await cli(['eval', routerFile, '--cases', pf])
    expect(ok.code).toBe(EXIT.OK)
    const bad = path.join(tmp.dir, 'bad.jsonl')
    writeFileSync(bad, '{"input":"a"}\n{"input":"b","expect":{"routes":"x"}}\n')
    const r = await cli(['eval', routerFile, '--cases', bad])
    expect(r.code).toBe(EXIT.INVALID)
    expect(r.err).toContain(`${bad}:2:24`)
    expect(r.err).toContain('expect.routes')
    expect(up.requests.length).toBeGreaterThan(0)
  })

  it('as a real child process: the documented exit code and a usage error for a bad --min-accuracy', async () => {
    const p = llmnet(['eval', routerFile, '--cases', casesFile])
    expect(await p.exited).toBe(EXIT.EVAL_FAILED)
    expect(p.stderr()).toContain('evaluation failed: 1 case failed')
    const usage = llmnet(['eval', routerFile, '--cases', casesFile, '--min-accuracy', '7'])
    expect(await usage.exited).toBe(EXIT.USAGE)
  })
})

describe('evals on the app runtime', () => {
  let app: AppRuntime
  const data = tempDir('llmnet-eval-app-')
  type Call = <R extends RouteName>(route: R, input: RequestOf<R>) => Promise<Envelope<OutputOf<R>>>
  let call: Call
  const ok = async <R extends RouteName>(route: R, input: RequestOf<R>): Promise<OutputOf<R>> => {
    const res = await call(route, input)
    if (!res.ok) throw new Error(`${route}: ${res.error.code}: ${res.error.message}`)
    return res.data
  }
  const finished = async (id: string): Promise<OutputOf<'evals.run_get'>> => {
    for (;;) {
      const run = await ok('evals.run_get', { id })
      if (run.status !== 'running') return run
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  beforeAll(async () => {
    app = await createAppRuntime({
      dataDir: data.dir,
      env: { LLMNET_SECRET_KEY: Buffer.alloc(32, 3).toString('base64') }
    })
    await app.start({ host: '127.0.0.1', port: 0 })
    const url = app.server.status().url as string
    call = async (route, input) => {
      const res = await fetch(`${url}/api/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
        body: JSON.stringify(input ?? {})
      })
      return (await res.json()) as never
    }
    await ok('pipelines.save', { name: 'support', text: router(up.url), format: 'json' })
    await ok('pipelines.save', { name: 'support', text: router(up.url, 'devices'), format: 'json' })
  })
  afterAll(async () => {
    await app.stop({ graceMs: 100 })
    data.remove()
  })

  it('saves a set, refuses a bad one with its diagnostics (the stored set untouched)', async () => {
    expect(await ok('evals.save', { name: 'support-cases', text: CASES })).toEqual({
      name: 'support-cases',
      cases: 4
    })
    const bad = await call('evals.save', { name: 'support-cases', text: '{"input": 1}' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) {
      expect(bad.error.code).toBe('invalid_request')
      expect(bad.error.message).toContain('line 1:')
      expect((bad.error.details?.diagnostics as unknown[]).length).toBe(1)
    }
    expect((await ok('evals.get', { name: 'support-cases' })).text).toBe(CASES)
    expect((await ok('evals.list', {})).sets.map((s) => [s.name, s.cases])).toEqual([
      ['support-cases', 4]
    ])
  })

  it('runs a stored set against two stored versions, reports both and the change, and keeps the run', async () => {
    const started = await ok('evals.run', {
      set: 'support-cases',
      target: { pipeline: 'support', version: 1 },
      against: { pipeline: 'support', version: 2 }
    })
    expect(started.total).toBe(4)
    const run = await finished(started.id)
    expect(run.status).toBe('done')
    expect(run.accuracy).toBe(0.75)
    expect(run.againstAccuracy).toBe(0.5)
    expect(run.changed.map((c) => c.id)).toEqual(['dev'])
    expect(run.report?.routing.confusion.tech).toEqual({ tech: 1, billing: 1 })
    const runs = await ok('evals.runs', { set: 'support-cases' })
    expect(runs.runs[0]?.id).toBe(started.id)
    expect((await ok('evals.list', {})).sets[0]?.lastRun?.accuracy).toBe(0.75)
    const missing = await call('evals.run', { set: 'support-cases', target: { pipeline: 'nope' } })
    expect(missing.ok ? 'ok' : missing.error.code).toBe('not_found')
  })

  it('adds a case from a stored trace, with the route taken or a corrected one', async () => {
    const res = await fetch(`${app.server.status().url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'support',
        messages: [{ role: 'user', content: 'refund this invoice' }]
      })
    })
    expect(res.status).toBe(200)
    let traceId: string | undefined
    for (let i = 0; i < 100 && !traceId; i++) {
      const list = await ok('traces.list', { pipeline: 'support' })
      traceId = list.traces.find(
        (t) => t.request?.messages[0]?.content === 'refund this invoice'
      )?.id
      if (!traceId) await new Promise((r) => setTimeout(r, 20))
    }
    expect(traceId).toBeDefined()
    const taken = await ok('evals.add_case', { set: 'from-traces', traceId: traceId as string })
    const fixed = await ok('evals.add_case', {
      set: 'from-traces',
      traceId: traceId as string,
      route: 'devices'
    })
    expect([taken.cases, fixed.cases]).toEqual([1, 2])
    const text = (await ok('evals.get', { name: 'from-traces' })).text.trim().split('\n')
    expect(JSON.parse(text[0] as string)).toMatchObject({
      input: 'refund this invoice',
      expect: { route: 'billing' }
    })
    expect(JSON.parse(text[1] as string)).toMatchObject({ expect: { route: 'devices' } })
    expect(fixed.id).not.toBe(taken.id)
  })

  it('llmnet eval NAME runs on the running app through the local context', async () => {
    const r = await cli(
      ['eval', 'support@v1', '--cases', casesFile, '--against', 'support', '--json'],
      {
        LLMNET_DATA_DIR: data.dir,
        LLMNET_CONFIG: path.join(data.dir, 'no-contexts.yaml')
      }
    )
    expect(r.err).toBe('')
    const doc = JSON.parse(r.out) as EvalReport & { against: EvalReport }
    expect(doc.routing.accuracy).toBe(0.75)
    expect(doc.against.pipeline).toBe('support')
    expect(doc.against.routing.accuracy).toBe(0.5)
    expect(r.code).toBe(EXIT.EVAL_FAILED)
  })
})
