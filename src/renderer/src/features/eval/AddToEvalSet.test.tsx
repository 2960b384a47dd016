// @vitest-environment happy-dom
/**
 * "Add to eval set" on the Requests page: a logged request becomes a case of a new or existing
 * set, with the route it took, or a corrected one chosen among the pipeline's nodes.
 */
import { cleanup, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import type { Trace } from '../../../../shared/trace'
import { fakeEvals } from '../../platform/fake-evals'
import { trace as makeTrace } from '../../stores/test-helpers'
import { RequestsPage } from '../requests/RequestsPage'
import { CASES, pipelineSummary, renderWith } from './test-support'

afterEach(cleanup)

const ROUTER = JSON.stringify({
  models: { small: { type: 'external', url: 'http://127.0.0.1:9/v1' } },
  architecture: [
    { name: 'router', layer: 0, model: 'small', adapter: 'openai-api', 'output-to': [1] },
    { name: 'billing', layer: 1, model: 'small', adapter: 'openai-api', 'output-to': ['output'] },
    { name: 'tech', layer: 1, model: 'small', adapter: 'openai-api', 'output-to': ['output'] },
    { name: 'output', adapter: 'output' }
  ]
})

/** A request routed to tech, with its messages stored. */
const routed: Trace = makeTrace('0123456789abcdef', ['router', 'tech', 'output'], {
  pipeline: 'support',
  request: { messages: [{ role: 'user', content: 'refund my broken laptop' }], params: {} },
  answer: 'ok'
})
routed.hops[0] = { ...routed.hops[0]!, action: 'route', decision: 'tech' }

async function openRequest(evals: ReturnType<typeof fakeEvals>, t: Trace = routed) {
  const { id: _id, hops: _h, ...summary } = t
  const rendered = await renderWith(
    {
      ...evals.handlers,
      'pipelines.list': () => ({ pipelines: [pipelineSummary('support')] }),
      'pipelines.get': () => ({
        ...pipelineSummary('support'),
        text: ROUTER,
        format: 'json' as const
      }),
      'traces.list': () => ({ traces: [{ id: t.id, ...summary }], nextCursor: null }),
      'traces.get': () => t
    } as never,
    <RequestsPage />
  )
  const table = await screen.findByTestId('trace-table')
  await userEvent.click(within(table).getAllByRole('button')[0]!)
  await screen.findByTestId('trace-detail')
  return rendered
}

describe('Add to eval set', () => {
  it('adds the request to an existing set with the route it took', async () => {
    const evals = fakeEvals({ sets: { support: CASES }, traces: [routed] })
    const { platform } = await openRequest(evals)
    await userEvent.click(screen.getByTestId('add-to-eval'))
    const form = await screen.findByTestId('add-to-eval-form')
    // The existing set is offered; the route taken is the default expectation.
    await waitFor(() =>
      expect((screen.getByTestId('eval-set-name') as HTMLInputElement).value).toBe('support')
    )
    const route = screen.getByTestId('eval-route') as HTMLSelectElement
    expect(route.value).toBe('tech')
    expect([...route.options].map((o) => o.value)).toEqual(['billing', 'tech'])
    await userEvent.click(within(form).getByTestId('add-case'))
    await waitFor(() => expect(screen.queryByTestId('add-to-eval-form')).toBeNull())
    expect(platform.calls.find((c) => c.route === 'evals.add_case')?.input).toEqual({
      set: 'support',
      traceId: routed.id
    })
    const last = evals.sets.get('support')!.text.trim().split('\n').at(-1)!
    expect(JSON.parse(last)).toMatchObject({
      input: 'refund my broken laptop',
      expect: { route: 'tech' }
    })
    expect((await screen.findByRole('status')).textContent).toMatch(
      /Added support-01234567 to support/
    )
  })

  it('names a new set and corrects the expected route to another node', async () => {
    const evals = fakeEvals({ sets: { support: CASES }, traces: [routed] })
    const { platform } = await openRequest(evals)
    await userEvent.click(screen.getByTestId('add-to-eval'))
    const name = await screen.findByTestId('eval-set-name')
    await userEvent.clear(name)
    await userEvent.type(name, 'corrections')
    await userEvent.selectOptions(screen.getByTestId('eval-route'), 'billing')
    await userEvent.click(screen.getByTestId('add-case'))
    await waitFor(() => expect(evals.sets.has('corrections')).toBe(true))
    expect(platform.calls.find((c) => c.route === 'evals.add_case')?.input).toEqual({
      set: 'corrections',
      traceId: routed.id,
      route: 'billing'
    })
    expect(JSON.parse(evals.sets.get('corrections')!.text)).toMatchObject({
      expect: { route: 'billing' }
    })
  })

  it('refuses a bad set name, and a request logged without its messages', async () => {
    const evals = fakeEvals({ traces: [routed] })
    await openRequest(evals)
    await userEvent.click(screen.getByTestId('add-to-eval'))
    const name = await screen.findByTestId('eval-set-name')
    await userEvent.type(name, '../x')
    expect((screen.getByTestId('add-case') as HTMLButtonElement).disabled).toBe(true)
    expect(name.getAttribute('aria-invalid')).toBe('true')
    cleanup()

    const bare = { ...routed, id: 'fedcba9876543210', request: undefined }
    await openRequest(fakeEvals({ traces: [bare] }), bare)
    expect((screen.getByTestId('add-to-eval') as HTMLButtonElement).disabled).toBe(true)
  })
})
