/**
 * @module The ws adapter: an output or tap node that sends the answer and the request's metadata
 * over a WebSocket, through the observe queue, so the HTTP client is not kept waiting.
 */
import type { ArchitectureNode } from '../../../shared/config/schema'
import type { EngineDeps } from './types'
import type { CompiledPipeline } from './pipeline'
import type { HopTrace } from './trace'

/** Where a ws send is recorded, and what it tells the receiver. */
export interface WsDelivery {
  hops: HopTrace[]
  /** The send joins the request's pending work, so the trace waits for its outcome. */
  pending: Promise<unknown>[]
  runner: EngineDeps['hooks']
  pipeline: CompiledPipeline
  requestId: string
  route: readonly string[]
  /** Header variables of the request. */
  variables: Record<string, string>
}

/** The ws adapter: sends the answer and request metadata; the HTTP client is not kept waiting. */
export function sendToWs(to: WsDelivery, node: ArchitectureNode, answer: string): void {
  const started = Date.now()
  const hop: HopTrace = { node: node.name, action: 'tap', startedAt: started, durationMs: 0 }
  to.hops.push(hop)
  const runner = to.runner
  if (!runner || !node.url) {
    hop.error = node.url ? 'no function runner is configured' : 'the ws node has no url'
    return
  }
  const message = {
    type: 'llmnet.answer',
    request_id: to.requestId,
    pipeline: to.pipeline.id,
    node: node.name,
    route: [...to.route],
    answer,
    variables: to.variables,
    timestamp: new Date().toISOString()
  }
  const pipeline = to.pipeline
  const queued = runner.queue.push(async () => {
    const outcome = await runner.run(
      node.name,
      { type: 'websocket', url: node.url ?? '', message, headers: {}, timeout: 10 },
      { vars: {}, secrets: pipeline.secrets, baseDir: pipeline.baseDir, expectReply: false }
    )
    hop.durationMs = Date.now() - started
    if (!outcome.ok) hop.error = outcome.error ?? 'failed'
  })
  if (queued === false) hop.error = 'observe queue full: the ws output was dropped'
  else to.pending.push(queued)
}
