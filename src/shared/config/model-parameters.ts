/**
 * @module The `parameters` keys each runner llmnet starts understands, and the idle timeout a model
 * asks for (`idle-timeout`, or `idle_timeout`/`keep_alive` in `parameters` as users write them).
 * `validate` warns about other keys; the runtime reads the same lists, so a key it honours never
 * warns.
 */
import { idleSeconds } from './idle-timeout'
import { describeModel } from './models'
import type { Composition, Runner } from './schema'
import type { JsonPath } from './source'
import { didYouMean } from './suggest'
import type { Reporter } from './reporter'

/** llama.cpp: the Rust llmnet's names and their aliases (the manager maps them to the worker's). */
export const LLAMA_CPP_PARAMETERS = [
  'n_ctx',
  'ctx_size',
  'context_size',
  'n_gpu_layers',
  'ngl',
  'gpu_layers',
  'threads',
  'n_threads',
  'n_batch',
  'batch_size',
  'flash_attn',
  'fa',
  'parallel',
  'n_parallel'
] as const

/** Ollama: its model options, sent with every request (a request's own values win). */
export const OLLAMA_PARAMETERS = [
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'seed',
  'num_predict',
  'num_ctx',
  'num_batch',
  'num_gpu',
  'num_thread',
  'num_keep',
  'repeat_penalty',
  'repeat_last_n',
  'presence_penalty',
  'frequency_penalty',
  'typical_p',
  'mirostat',
  'mirostat_tau',
  'mirostat_eta',
  'stop'
] as const

/** Keys every runner llmnet runs honours: how long the model stays loaded without requests. */
export const LIFECYCLE_PARAMETERS = ['idle_timeout', 'keep_alive'] as const

/**
 * The keys a runner understands, or undefined when any key is passed on (vLLM and TensorRT-LLM turn
 * each into a `--flag`, docker into an environment variable) or llmnet does not start the model.
 */
export function knownParameters(runner: Runner): readonly string[] | undefined {
  if (runner === 'llama-cpp') return [...LLAMA_CPP_PARAMETERS, ...LIFECYCLE_PARAMETERS]
  if (runner === 'ollama') return [...OLLAMA_PARAMETERS, ...LIFECYCLE_PARAMETERS]
  return undefined
}

/**
 * Warns about `parameters` keys the model's runner does not understand (they would be ignored),
 * with the closest known one, at the key; and about an idle timeout that is not a duration.
 */
export function checkModelParameters(c: Composition, r: Reporter): void {
  for (const [name, model] of Object.entries(c.models)) {
    const params = 'parameters' in model ? model.parameters : undefined
    if (!params) continue
    const runner = describeModel(model).runner
    const known = knownParameters(runner)
    for (const [key, value] of Object.entries(params)) {
      const path: JsonPath = ['models', name, 'parameters', key]
      if ((LIFECYCLE_PARAMETERS as readonly string[]).includes(key)) {
        if (idleSeconds(value) === undefined)
          r.warn(
            'bad-parameter',
            path,
            `${key} of model "${name}" is not a duration: give seconds (600) or a duration such as "10m"`
          )
        continue
      }
      if (!known || known.includes(key)) continue
      const hint = didYouMean(key, known)
      r.warn(
        'unknown-parameter',
        path,
        `model "${name}" (${runner}) ignores the parameter "${key}"${hint ? `: did you mean "${hint}"?` : `; it understands ${known.join(', ')}`}`,
        { key: true }
      )
    }
  }
}
