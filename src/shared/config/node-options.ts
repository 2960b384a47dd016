/**
 * @module A node's `extra-options`: besides `model_override` and `UseHeaderKeys`, the sampler
 * settings of its answers (`max_tokens: 96`, `temperature`, `stop`…), sent with each request the
 * node answers unless the client's request sets the same field. Validation warns about every key
 * no runner reads, and about a setting the node's runner cannot honour; the engine sends exactly
 * what {@link nodeRequestDefaults} returns, so a setting that does not warn is honoured.
 */
import { describeModel, explicitEndpoint } from './models'
import type { ArchitectureNode, Composition, ModelDefinition } from './schema'
import type { JsonPath } from './source'
import { didYouMean } from './suggest'
import type { Reporter } from './reporter'

/** Whole numbers of at least 1. */
const COUNTS = ['max_tokens', 'max_completion_tokens'] as const
/** Whole numbers (any sign: `repeat_last_n: -1` is llama.cpp's "the whole context"). */
const INTEGERS = ['seed', 'top_k', 'repeat_last_n', 'mirostat'] as const
const NUMBERS = [
  'temperature',
  'top_p',
  'min_p',
  'typical_p',
  'presence_penalty',
  'frequency_penalty',
  'repeat_penalty',
  'mirostat_tau',
  'mirostat_eta'
] as const

/** The sampler settings `extra-options` may give a node's answers. */
export const NODE_SAMPLER_OPTIONS: readonly string[] = [...COUNTS, ...INTEGERS, ...NUMBERS, 'stop']

/** `extra-options` keys the engine reads itself. */
const ENGINE_OPTIONS = ['model_override', 'UseHeaderKeys']

/** llama.cpp models llmnet runs: the worker's sampler (src/main/core/local/request-fields.ts). */
const LLAMA_CPP_HONOURS = NODE_SAMPLER_OPTIONS.filter(
  (k) => k !== 'typical_p' && !k.startsWith('mirostat')
)

/**
 * The runner that answers for a model, as a name for messages, and the sampler settings it
 * honours: all of them for an OpenAI-compatible endpoint (sent as they are: the backend decides)
 * and for Ollama (mapped into its `options`).
 */
function runnerOf(model: ModelDefinition): { name: string; honours: readonly string[] } {
  const { runner } = describeModel(model)
  if (runner === 'llama-cpp' && explicitEndpoint(model) === undefined)
    return { name: 'llama.cpp', honours: LLAMA_CPP_HONOURS }
  return { name: runner, honours: NODE_SAMPLER_OPTIONS }
}

/** A node without sampler settings: one shared object, not a new one per request. */
export const NO_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({})

/**
 * The sampler settings of a node's `extra-options` that its runner honours, as request fields. A
 * client's own `max_tokens` or `max_completion_tokens` replaces both of the node's.
 */
export function nodeRequestDefaults(
  node: ArchitectureNode,
  composition: Composition,
  request: Readonly<Record<string, unknown>> = {}
): Readonly<Record<string, unknown>> {
  const options = node['extra-options']
  const model = node.model === undefined ? undefined : composition.models[node.model]
  if (!options || !model) return NO_DEFAULTS
  const { honours } = runnerOf(model)
  const clientLimit = request.max_tokens != null || request.max_completion_tokens != null
  const out: Record<string, unknown> = {}
  for (const key of honours) {
    if (options[key] === undefined || request[key] != null) continue
    if (clientLimit && (COUNTS as readonly string[]).includes(key)) continue
    out[key] = options[key]
  }
  return out
}

/** Why a setting's value cannot be sent, or undefined when it can. */
function badValue(key: string, v: unknown): string | undefined {
  if ((COUNTS as readonly string[]).includes(key))
    return Number.isSafeInteger(v) && (v as number) >= 1
      ? undefined
      : 'a whole number of at least 1'
  if ((INTEGERS as readonly string[]).includes(key))
    return Number.isSafeInteger(v) ? undefined : 'a whole number'
  if ((NUMBERS as readonly string[]).includes(key))
    return typeof v === 'number' && Number.isFinite(v) ? undefined : 'a number'
  if (key === 'stop')
    return typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'))
      ? undefined
      : 'a string or a list of strings'
  return undefined
}

/**
 * Every `extra-options` key is read by llmnet or reported: a value of the wrong type is an error
 * (each request would fail), an unknown key or a setting the node's runner cannot honour a
 * warning (an error with `--strict`), naming the option and the runner.
 */
export function checkNodeOptions(c: Composition, r: Reporter, strict: boolean): void {
  const known = [...ENGINE_OPTIONS, ...NODE_SAMPLER_OPTIONS]
  c.architecture.forEach((node, i) => {
    const options = node['extra-options']
    if (!options) return
    const model = node.model === undefined ? undefined : c.models[node.model]
    for (const [key, value] of Object.entries(options)) {
      if (ENGINE_OPTIONS.includes(key)) continue
      const path: JsonPath = ['architecture', i, 'extra-options', key]
      const report = strict ? r.error.bind(r) : r.warn.bind(r)
      if (!NODE_SAMPLER_OPTIONS.includes(key)) {
        const hint = didYouMean(key, known)
        report(
          'unknown-option',
          path,
          `node "${node.name}": extra-options.${key} is not an option llmnet reads, so it is ignored${hint ? `: did you mean "${hint}"?` : `; it reads ${known.join(', ')}`}`,
          { key: true }
        )
        continue
      }
      const bad = badValue(key, value)
      if (bad) {
        r.error('bad-option', path, `node "${node.name}": extra-options.${key} must be ${bad}`)
        continue
      }
      if (!model) {
        // No model (an output or ws node), or one reported missing elsewhere.
        if (node.model === undefined)
          report(
            'option-not-honoured',
            path,
            `node "${node.name}" has no model, so extra-options.${key} is ignored`,
            { key: true }
          )
        continue
      }
      const runner = runnerOf(model)
      if (!runner.honours.includes(key))
        report(
          'option-not-honoured',
          path,
          `node "${node.name}": its model "${node.model}" runs on ${runner.name}, which cannot honour extra-options.${key}, so it is not sent; ${runner.name} honours ${runner.honours.join(', ')}`,
          { key: true }
        )
    }
  })
}
