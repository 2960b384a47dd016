/**
 * @module Prometheus metrics, fed from traces (one place, so the numbers match the traces) and
 * from HTTP-level rejections that never reach the engine.
 */
import type { Trace } from './engine/trace'

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

type Labels = Record<string, string>
const escapeLabel = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const render = (labels: Labels): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')
// Series are found by a cheap key on the hot path; label text is only built when rendering.
function seriesKey(labels: Labels): string {
  let k = ''
  for (const name in labels) k += `${labels[name]}\u0001`
  return k
}

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>()
  constructor(
    readonly name: string,
    readonly help: string
  ) {}
  inc(labels: Labels, by = 1): void {
    const k = seriesKey(labels)
    const s = this.values.get(k)
    if (s) s.value += by
    else this.values.set(k, { labels, value: by })
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`]
    for (const s of this.values.values()) lines.push(`${this.name}{${render(s.labels)}} ${s.value}`)
    return lines.join('\n')
  }
}

class Histogram {
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >()
  constructor(
    readonly name: string,
    readonly help: string
  ) {}
  observe(labels: Labels, seconds: number): void {
    const k = seriesKey(labels)
    let s = this.series.get(k)
    if (!s) {
      s = { labels, counts: BUCKETS.map(() => 0), sum: 0, count: 0 }
      this.series.set(k, s)
    }
    // Per-bucket counts; render() makes them cumulative.
    let i = 0
    while (i < BUCKETS.length && seconds > (BUCKETS[i] ?? Infinity)) i++
    if (i < BUCKETS.length) s.counts[i] = (s.counts[i] ?? 0) + 1
    s.sum += seconds
    s.count++
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const s of this.series.values()) {
      const k = render(s.labels)
      const sep = k ? ',' : ''
      let cumulative = 0
      BUCKETS.forEach((b, i) => {
        cumulative += s.counts[i] ?? 0
        lines.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${cumulative}`)
      })
      lines.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`)
      lines.push(`${this.name}_sum{${k}} ${s.sum}`)
      lines.push(`${this.name}_count{${k}} ${s.count}`)
    }
    return lines.join('\n')
  }
}

export class Metrics {
  private readonly requests = new Counter(
    'llmnet_requests_total',
    'Chat requests by pipeline and outcome'
  )
  private readonly errors = new Counter(
    'llmnet_request_errors_total',
    'Failed requests by pipeline and error code'
  )
  private readonly latency = new Histogram(
    'llmnet_request_duration_seconds',
    'End-to-end request latency'
  )
  private readonly nodeLatency = new Histogram(
    'llmnet_node_duration_seconds',
    'Time spent per node and action'
  )
  private readonly ttft = new Histogram(
    'llmnet_time_to_first_token_seconds',
    'Time to the first streamed token'
  )
  private readonly tokens = new Counter('llmnet_tokens_total', 'Tokens by pipeline, node and kind')

  /** Records one finished request from its trace. */
  observeTrace(t: Trace): void {
    this.requests.inc({ pipeline: t.pipeline, status: t.status })
    if (t.error) this.errors.inc({ pipeline: t.pipeline, code: t.error.code })
    this.latency.observe({ pipeline: t.pipeline }, t.durationMs / 1000)
    const started = Date.parse(t.startedAt)
    for (const h of t.hops) {
      if (h.action === 'output' || h.action === 'tap') continue
      this.nodeLatency.observe(
        { pipeline: t.pipeline, node: h.node, action: h.action },
        h.durationMs / 1000
      )
      if (h.ttftMs !== undefined)
        this.ttft.observe({ pipeline: t.pipeline }, (h.startedAt - started + h.ttftMs) / 1000)
      if (h.usage) {
        this.tokens.inc(
          { pipeline: t.pipeline, node: h.node, kind: 'prompt' },
          h.usage.prompt_tokens ?? 0
        )
        this.tokens.inc(
          { pipeline: t.pipeline, node: h.node, kind: 'completion' },
          h.usage.completion_tokens ?? 0
        )
      }
    }
  }

  /** Requests rejected before the engine ran (bad body, unknown model, auth…). */
  rejected(code: string): void {
    this.requests.inc({ pipeline: '', status: 'rejected' })
    this.errors.inc({ pipeline: '', code })
  }

  render(): string {
    return `${[this.requests, this.errors, this.latency, this.ttft, this.nodeLatency, this.tokens].map((m) => m.render()).join('\n')}\n`
  }
}
