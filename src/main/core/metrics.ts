/**
 * @module Prometheus metrics, fed from traces (one place, so the numbers match the traces) and
 * from HTTP-level rejections that never reach the engine.
 */
import type { Trace } from './engine/trace'

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

/**
 * The series of one metric, found by their label values through nested maps: a request records
 * its numbers without building label objects or keys (this runs once per request).
 */
abstract class Metric<S> {
  private readonly root = new Map<string, unknown>()
  /** Every series with its label values, in creation order (for rendering). */
  protected readonly all: { values: readonly string[]; series: S }[] = []

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[]
  ) {}

  protected abstract create(): S

  private series(a: string, b?: string, c?: string): S {
    const values = b === undefined ? [a] : c === undefined ? [a, b] : [a, b, c]
    let map = this.root
    for (let i = 0; i < values.length - 1; i++) {
      const v = values[i] as string
      let next = map.get(v) as Map<string, unknown> | undefined
      if (!next) {
        next = new Map()
        map.set(v, next)
      }
      map = next
    }
    const last = values[values.length - 1] as string
    let s = map.get(last) as S | undefined
    if (!s) {
      s = this.create()
      map.set(last, s)
      this.all.push({ values, series: s })
    }
    return s
  }

  /** Finds a series with the fewest allocations on a hit. */
  protected find(a: string, b?: string, c?: string): S {
    let hit: unknown = this.root.get(a)
    if (b !== undefined) hit = (hit as Map<string, unknown> | undefined)?.get(b)
    if (c !== undefined) hit = (hit as Map<string, unknown> | undefined)?.get(c)
    return (hit as S | undefined) ?? this.series(a, b, c)
  }

  protected labels(values: readonly string[]): string {
    return values.map((v, i) => `${this.labelNames[i]}="${escapeLabel(v)}"`).join(',')
  }

  abstract render(): string
}

class Counter extends Metric<{ value: number }> {
  protected create(): { value: number } {
    return { value: 0 }
  }
  inc(by: number, a: string, b?: string, c?: string): void {
    this.find(a, b, c).value += by
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`]
    for (const { values, series } of this.all)
      lines.push(`${this.name}{${this.labels(values)}} ${series.value}`)
    return lines.join('\n')
  }
}

interface Buckets {
  counts: number[]
  sum: number
  count: number
}

class Histogram extends Metric<Buckets> {
  protected create(): Buckets {
    return { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }
  }
  observe(seconds: number, a: string, b?: string, c?: string): void {
    const s = this.find(a, b, c)
    // Per-bucket counts; render() makes them cumulative.
    let i = 0
    while (i < BUCKETS.length && seconds > (BUCKETS[i] ?? Infinity)) i++
    if (i < BUCKETS.length) s.counts[i] = (s.counts[i] ?? 0) + 1
    s.sum += seconds
    s.count++
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const { values, series: s } of this.all) {
      const k = this.labels(values)
      let cumulative = 0
      BUCKETS.forEach((b, i) => {
        cumulative += s.counts[i] ?? 0
        lines.push(`${this.name}_bucket{${k},le="${b}"} ${cumulative}`)
      })
      lines.push(`${this.name}_bucket{${k},le="+Inf"} ${s.count}`)
      lines.push(`${this.name}_sum{${k}} ${s.sum}`)
      lines.push(`${this.name}_count{${k}} ${s.count}`)
    }
    return lines.join('\n')
  }
}

export class Metrics {
  private readonly requests = new Counter(
    'llmnet_requests_total',
    'Chat requests by pipeline and outcome',
    ['pipeline', 'status']
  )
  private readonly errors = new Counter(
    'llmnet_request_errors_total',
    'Failed requests by pipeline and error code',
    ['pipeline', 'code']
  )
  private readonly latency = new Histogram(
    'llmnet_request_duration_seconds',
    'End-to-end request latency',
    ['pipeline']
  )
  private readonly nodeLatency = new Histogram(
    'llmnet_node_duration_seconds',
    'Time spent per node and action',
    ['pipeline', 'node', 'action']
  )
  private readonly ttft = new Histogram(
    'llmnet_time_to_first_token_seconds',
    'Time to the first streamed token',
    ['pipeline']
  )
  private readonly tokens = new Counter(
    'llmnet_tokens_total',
    'Tokens by pipeline, node and kind',
    ['pipeline', 'node', 'kind']
  )

  /** Records one finished request from its trace. */
  observeTrace(t: Trace): void {
    const p = t.pipeline
    this.requests.inc(1, p, t.status)
    if (t.error) this.errors.inc(1, p, t.error.code)
    this.latency.observe(t.durationMs / 1000, p)
    for (const h of t.hops) {
      if (h.action === 'output' || h.action === 'tap') continue
      this.nodeLatency.observe(h.durationMs / 1000, p, h.node, h.action)
      if (h.ttftMs !== undefined)
        this.ttft.observe((h.startedAt - t.startedAt + h.ttftMs) / 1000, p)
      if (h.usage) {
        this.tokens.inc(h.usage.prompt_tokens ?? 0, p, h.node, 'prompt')
        this.tokens.inc(h.usage.completion_tokens ?? 0, p, h.node, 'completion')
      }
    }
  }

  /** Requests rejected before the engine ran (bad body, unknown model, auth…). */
  rejected(code: string): void {
    this.requests.inc(1, '', 'rejected')
    this.errors.inc(1, '', code)
  }

  private readonly extra: (() => string)[] = []

  /** Adds counters kept elsewhere (the trace writer's), read when /metrics is rendered. */
  addCounters(counters: { name: string; help: string; value: () => number }[]): void {
    for (const c of counters) {
      this.extra.push(
        () => `# HELP ${c.name} ${c.help}\n# TYPE ${c.name} counter\n${c.name} ${c.value()}`
      )
    }
  }

  render(): string {
    const own = [this.requests, this.errors, this.latency, this.ttft, this.nodeLatency, this.tokens]
    return `${[...own.map((m) => m.render()), ...this.extra.map((f) => f())].join('\n')}\n`
  }
}
