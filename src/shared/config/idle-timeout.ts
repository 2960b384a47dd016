/**
 * @module A model's idle timeout (when llmnet unloads a model it runs), read from `idle-timeout`
 * or the runner's `parameters` (`idle_timeout`, Ollama's `keep_alive`).
 */
import type { ModelDefinition } from './schema'

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 }

/**
 * Seconds from a number or a duration as Ollama writes it (`"30s"`, `"10m"`, `"1h30m"`, `"600"`).
 * A negative value means "never unload" and becomes 0 (our "never"); `keep_alive: 0` (unload
 * after each request) becomes a millisecond. Undefined when the value is not a duration.
 */
export function idleSeconds(value: unknown, ollamaZero = false): number | undefined {
  let seconds: number | undefined
  if (typeof value === 'number' && Number.isFinite(value)) seconds = value
  else if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim()
    if (Number.isFinite(Number(text))) seconds = Number(text)
    else {
      const m = /^(-)?((?:\d+(?:\.\d+)?(?:ms|s|m|h))+)$/.exec(text)
      if (!m) return undefined
      let total = 0
      for (const part of (m[2] ?? '').matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
        total += Number(part[1]) * (UNIT_SECONDS[part[2] ?? 's'] ?? 1)
      seconds = m[1] ? -total : total
    }
  }
  if (seconds === undefined) return undefined
  if (seconds < 0) return 0
  if (seconds === 0 && ollamaZero) return 0.001
  return seconds
}

/**
 * The model's idle timeout in milliseconds (0 = never), from `idle-timeout`, else
 * `parameters.idle_timeout`, else `parameters.keep_alive` (Ollama's meaning: 0 unloads after each
 * request, a negative value never). Undefined when the model sets none.
 */
export function modelIdleTimeoutMs(model: ModelDefinition): number | undefined {
  if ('idle-timeout' in model && model['idle-timeout'] !== undefined)
    return model['idle-timeout'] * 1000
  const p = 'parameters' in model ? model.parameters : undefined
  if (!p) return undefined
  const fromIdle = idleSeconds(p.idle_timeout)
  if (fromIdle !== undefined) return fromIdle * 1000
  const fromKeepAlive = idleSeconds(p.keep_alive, true)
  return fromKeepAlive === undefined ? undefined : fromKeepAlive * 1000
}
