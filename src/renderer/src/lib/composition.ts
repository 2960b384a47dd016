/**
 * @module Reading a composition's text in the renderer, leniently: the graph and the "what will
 * this run" check must work on text the editor holds, even while it has errors elsewhere.
 */
import { parseSource, type SourceFormat } from '../../../shared/config/source'

export interface LooseNode {
  name: string
  layer?: number
  model?: string
  adapter?: string
  'output-to'?: (number | string)[]
  if?: string
  'use-case'?: string
  'default-route'?: string
  hooks?: { pre?: { function?: string }[]; post?: { function?: string }[] }
}

export interface LooseComposition {
  description?: string
  models: Record<string, { runner?: string; source?: string; type?: string }>
  architecture: LooseNode[]
  functions: Record<string, Record<string, unknown> & { type?: string }>
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The composition's parts the UI reads, or null when the text does not parse to an object. */
export function readComposition(text: string, format: SourceFormat): LooseComposition | null {
  let value: unknown
  try {
    value = parseSource(text, format).value
  } catch {
    return null
  }
  if (!isObject(value)) return null
  const architecture = Array.isArray(value.architecture)
    ? value.architecture.filter(
        (n): n is LooseNode => isObject(n) && typeof n.name === 'string' && n.name.length > 0
      )
    : []
  return {
    description: typeof value.description === 'string' ? value.description : undefined,
    models: isObject(value.models) ? (value.models as LooseComposition['models']) : {},
    architecture,
    functions: isObject(value.functions) ? (value.functions as LooseComposition['functions']) : {}
  }
}

/** What a function that runs something on this machine will run, as a person should see it. */
export interface RiskyFunction {
  name: string
  type: 'shell' | 'grpc'
  /** `command arg1 arg2` for shell, `address service/method` for gRPC. */
  runs: string
  detail: string[]
}

// Arguments go to the program as they are (no shell), so only blanks need showing as quoted.
const quoteArg = (a: string): string => (/^[^\s"']+$/.test(a) ? a : JSON.stringify(a))

/** The shell and gRPC functions of a composition, each with exactly what it runs. */
export function riskyFunctions(c: LooseComposition | null): RiskyFunction[] {
  if (!c) return []
  const out: RiskyFunction[] = []
  for (const [name, f] of Object.entries(c.functions)) {
    if (f.type === 'shell') {
      const args = Array.isArray(f.args) ? f.args.map(String) : []
      const detail: string[] = []
      if (typeof f.cwd === 'string') detail.push(`in ${f.cwd}`)
      if (isObject(f.env) && Object.keys(f.env).length)
        detail.push(`env ${Object.keys(f.env).join(', ')}`)
      if (f.stdin !== undefined && f.stdin !== false) detail.push('input on stdin')
      out.push({
        name,
        type: 'shell',
        runs: [String(f.command ?? ''), ...args].map(quoteArg).join(' '),
        detail
      })
    } else if (f.type === 'grpc') {
      out.push({
        name,
        type: 'grpc',
        runs: `${String(f.address ?? '')} ${String(f.service ?? '')}/${String(f.method ?? '')}`,
        detail: typeof f.proto === 'string' ? [`proto ${f.proto}`] : ['server reflection']
      })
    }
  }
  return out
}

/** A stable key of what risky functions run: a save needs a new confirmation when it changes. */
export function riskKey(list: RiskyFunction[]): string {
  return JSON.stringify(list.map((f) => [f.name, f.runs, f.detail]))
}
