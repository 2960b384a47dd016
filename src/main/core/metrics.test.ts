/** Prometheus text rendered from traces: series per label set, cumulative buckets, escaping. */
import { describe, expect, it } from 'vitest'
import type { Trace } from './engine/trace'
import { Metrics } from './metrics'

function trace(over: Partial<Trace> = {}): Trace {
  return {
    id: 'r1',
    pipeline: 'p',
    stream: true,
    startedAt: 1_000,
    durationMs: 30,
    status: 'ok',
    route: ['a', 'output'],
    hops: [
      {
        node: 'a',
        action: 'answer',
        startedAt: 1_010,
        durationMs: 20,
        ttftMs: 5,
        usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 }
      },
      { node: 'output', action: 'output', startedAt: 1_030, durationMs: 0 }
    ],
    usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    ...over
  }
}

describe('metrics', () => {
  it('counts requests, errors, tokens and latencies per label set (fails if series mix or buckets are not cumulative)', () => {
    const m = new Metrics()
    m.observeTrace(trace())
    m.observeTrace(trace({ durationMs: 3000 }))
    m.observeTrace(
      trace({ pipeline: 'q', status: 'error', error: { code: 'no_route', message: 'x' } })
    )
    m.rejected('invalid_request')
    const text = m.render()
    expect(text).toContain('llmnet_requests_total{pipeline="p",status="ok"} 2')
    expect(text).toContain('llmnet_requests_total{pipeline="q",status="error"} 1')
    expect(text).toContain('llmnet_requests_total{pipeline="",status="rejected"} 1')
    expect(text).toContain('llmnet_request_errors_total{pipeline="q",code="no_route"} 1')
    expect(text).toContain('llmnet_request_errors_total{pipeline="",code="invalid_request"} 1')
    expect(text).toContain('llmnet_tokens_total{pipeline="p",node="a",kind="prompt"} 14')
    expect(text).toContain('llmnet_tokens_total{pipeline="p",node="a",kind="completion"} 6')
    expect(text).toContain('llmnet_request_duration_seconds_bucket{pipeline="p",le="0.05"} 1')
    expect(text).toContain('llmnet_request_duration_seconds_bucket{pipeline="p",le="5"} 2')
    expect(text).toContain('llmnet_request_duration_seconds_bucket{pipeline="p",le="+Inf"} 2')
    expect(text).toContain('llmnet_request_duration_seconds_count{pipeline="p"} 2')
    // ttft is measured from the request's start: 10 ms before the hop + 5 ms into it.
    expect(text).toContain('llmnet_time_to_first_token_seconds_sum{pipeline="p"} 0.03')
    expect(text).toContain(
      'llmnet_node_duration_seconds_count{pipeline="p",node="a",action="answer"} 2'
    )
    expect(text).not.toContain('node="output"')
  })

  it('escapes quotes, backslashes and newlines in label values (fails if a node name breaks the exposition format)', () => {
    const m = new Metrics()
    m.observeTrace(trace({ pipeline: 'we"ird\\pipe\nline' }))
    expect(m.render()).toContain('pipeline="we\\"ird\\\\pipe\\nline",status="ok"} 1')
  })
})
