/**
 * @module Which top-level fields of a Messages request llmnet maps, keeps as advisory or refuses,
 * and the first one it cannot honour (docs/endpoints.md has the table).
 */

/**
 * Top-level fields that only describe a request (billing, caching, placement, tracing): accepted,
 * and not sent, as nothing in a chat backend's answer depends on them.
 */
const ADVISORY = [
  'metadata',
  'service_tier',
  'speed',
  'inference_geo',
  'cache_control',
  'diagnostics',
  'user_profile_id',
  'workspace_id',
  'billing_policy',
  'fallback_credit_token',
  'betas',
  'anthropic_version',
  'anthropic_beta'
]
/** Fields llmnet maps onto the chat request. */
const MAPPED = [
  'model',
  'messages',
  'max_tokens',
  'system',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'output_format',
  'context_management'
]
/** Why each server-side feature llmnet has no equivalent for is refused. */
const REFUSED: Record<string, string> = {
  container: 'llmnet runs no code-execution containers',
  mcp_servers:
    'llmnet connects to no MCP servers on the model’s behalf; give the tools to the client',
  compaction: 'llmnet does no server-side compaction',
  fallbacks: 'a pipeline chooses its own models',
  thread: 'llmnet stores no threads; send the whole conversation'
}
const KNOWN: ReadonlySet<string> = new Set([...ADVISORY, ...MAPPED])

/** The first top-level field llmnet cannot honour, and why; undefined when there is none. */
export function refusedField(body: object): { field: string; message: string } | undefined {
  for (const [field, v] of Object.entries(body)) {
    if (v === undefined || v === null) continue
    const why = REFUSED[field]
    if (why) return { field, message: `${field}: not supported: ${why}` }
    if (!KNOWN.has(field)) return { field, message: `${field}: Extra inputs are not permitted` }
  }
  return undefined
}
