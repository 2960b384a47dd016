import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEvalCases } from '../../../shared/eval/cases'
import { startFakeUpstream, type FakeUpstream } from '../../../../tests/support/fake-openai'
import { externalModel, serve, type Served } from '../../../../tests/support/harness'
import { engineCaseRunner, runEval } from './run-eval'

/** The fake router picks "billing" when the text mentions money, else "tech". */
function routerAnswers(up: FakeUpstream): void {
  up.setResponder((req) => {
    const schema = req.body?.response_format?.json_schema?.schema
    const msgs = (req.body?.messages ?? []) as { role: string; content: string }[]
    const text = [...msgs].reverse().find((m) => m.role === 'user')?.content ?? ''
    if (schema)
      return {
        content: JSON.stringify({ route: /invoice|refund|charge/.test(text) ? 'billing' : 'tech' })
      }
    if (text.includes('explode')) return { status: 500, body: { error: { message: 'boom' } } }
    return { content: `${req.body?.model} says refund` }
  })
}

describe('runEval over the engine', () => {
  let up: FakeUpstream
  let served: Served
  beforeAll(async () => {
    up = await startFakeUpstream()
    routerAnswers(up)
    served = await serve({
      support: {
        models: { small: externalModel(up.url), chat: externalModel(up.url) },
        architecture: [
          { name: 'router', layer: 0, model: 'small', adapter: 'openai-api', 'output-to': [1] },
          {
            name: 'billing',
            layer: 1,
            model: 'chat',
            adapter: 'openai-api',
            'use-case': 'Invoices and refunds',
            'output-to': ['output']
          },
          {
            name: 'tech',
            layer: 1,
            model: 'chat',
            adapter: 'openai-api',
            'use-case': 'Broken devices',
            'output-to': ['output']
          },
          { name: 'output', adapter: 'output' }
        ]
      }
    })
  })
  afterAll(async () => {
    await served?.close()
    await up?.close()
  })

  it('routes each case through the real pipeline and scores route, text and failures', async () => {
    const { cases } = parseEvalCases(
      [
        '{"id":"inv","input":"my invoice is wrong","expect":{"route":"billing","contains":"refund"}}',
        '{"id":"dev","input":"my laptop is broken","expect":{"route":"tech"}}',
        '{"id":"miss","input":"a refund for my laptop","expect":{"route":"tech"}}',
        '{"id":"err","input":"explode please","expect":{"route":"tech"}}'
      ].join('\n')
    )
    const pipeline = served.runtime.pipelines.get('support')
    if (!pipeline) throw new Error('pipeline not loaded')
    const seen: number[] = []
    const report = await runEval(
      'support',
      cases,
      engineCaseRunner(served.runtime.engine, pipeline),
      {
        concurrency: 2,
        onProgress: (p) => seen.push(p.done)
      }
    )
    expect(seen).toEqual([1, 2, 3, 4])
    expect(report.cases.map((c) => [c.id, c.passed, c.actualRoute])).toEqual([
      ['inv', true, 'billing'],
      ['dev', true, 'tech'],
      ['miss', false, 'billing'],
      ['err', false, '(error)']
    ])
    expect(report.routing.confusion).toEqual({
      billing: { billing: 1 },
      tech: { tech: 1, billing: 1, '(error)': 1 }
    })
    expect(report.routing.accuracy).toBe(0.5)
    expect(report.errors).toBe(1)
    expect(report.cases[0]?.traceId).toMatch(/^eval-/)
    expect(report.cases[3]?.error?.code).toBeDefined()
  })
})
