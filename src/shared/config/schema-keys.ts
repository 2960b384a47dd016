/**
 * @module The keys each object of the format knows, read from the zod shapes, so that an unknown
 * key can be answered with "did you mean".
 */
import {
  CompositionSchema,
  DockerConfigSchema,
  FunctionSchema,
  HookSchema,
  HooksSchema,
  ModelSchema,
  NodeSchema,
  SecretSourceSchema
} from './schema'
import type { JsonPath } from './source'

type Shaped = { shape: Record<string, unknown> }

const keysOf = (schema: Shaped): string[] => Object.keys(schema.shape)

function optionFor(options: readonly Shaped[], tag: string, value: unknown): Shaped | undefined {
  return options.find((o) => {
    const field = o.shape[tag] as { value?: unknown; options?: unknown[] } | undefined
    return field?.value === value || field?.options?.includes(value)
  })
}

function at(raw: unknown, path: JsonPath): Record<string, unknown> {
  let v = raw
  for (const seg of path)
    v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {}
}

/** Known keys of the object at `path` in `raw` (empty when the object is open or unknown). */
export function knownKeysAt(path: JsonPath, raw: unknown): string[] {
  const [section, , sub, kind] = path
  const obj = at(raw, path)
  if (path.length === 0) return keysOf(CompositionSchema)
  if (section === 'models') {
    if (path.length === 2) {
      const opt = optionFor(ModelSchema.options, 'type', obj.type) ?? ModelSchema.options[3]
      return opt ? keysOf(opt) : []
    }
    if (sub === 'docker' && path.length === 3) return keysOf(DockerConfigSchema)
    if (sub === 'docker' && kind === 'registry') return ['url', 'username', 'token']
  }
  if (section === 'architecture') {
    if (path.length === 2) return keysOf(NodeSchema)
    if (sub === 'hooks' && path.length === 3) return keysOf(HooksSchema)
    if (sub === 'hooks' && path.length === 5) return keysOf(HookSchema)
  }
  if (section === 'functions' && path.length === 2) {
    const opt = optionFor(FunctionSchema.options, 'type', obj.type)
    return opt ? keysOf(opt) : []
  }
  if (section === 'secrets' && path.length === 2) {
    const opt = optionFor(SecretSourceSchema.options, 'source', obj.source)
    return opt ? keysOf(opt) : []
  }
  return []
}
