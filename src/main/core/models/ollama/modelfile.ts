/**
 * @module Ollama Modelfiles: FROM, PARAMETER, SYSTEM, TEMPLATE, LICENSE (each also with \"\"\" blocks),
 * ADAPTER and MESSAGE, parsed as the Rust llmnet did, and a composition's `parameters` merged in.
 */
import { OllamaError } from './error'

export interface ModelfileSpec {
  from: string
  /** PARAMETER lines; a repeated key (`stop`) becomes an array. */
  parameters: Record<string, unknown>
  system?: string
  template?: string
  license: string[]
  adapters: string[]
  messages: { role: string; content: string }[]
}

const INSTRUCTIONS = new Set([
  'FROM',
  'PARAMETER',
  'SYSTEM',
  'TEMPLATE',
  'LICENSE',
  'ADAPTER',
  'MESSAGE'
])

function parseScalar(raw: string): unknown {
  if (/^-?\d+$/.test(raw)) return Number(raw)
  if (/^-?(\d+\.\d*|\.\d+|\d+)(e[-+]?\d+)?$/i.test(raw)) return Number(raw)
  if (raw === 'true') return true
  if (raw === 'false') return false
  return raw
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    try {
      return JSON.parse(v) as string
    } catch {
      return v.slice(1, -1)
    }
  }
  return v
}

/**
 * Parses a Modelfile: FROM, PARAMETER, SYSTEM, TEMPLATE, LICENSE, ADAPTER and MESSAGE (each value
 * may be `"""multi-line"""` or `"quoted"`); `#` comments. Instructions are case-insensitive.
 *
 * @throws {OllamaError} `invalid_modelfile` with the line number.
 */
export function parseModelfile(text: string): ModelfileSpec {
  const spec: ModelfileSpec = { from: '', parameters: {}, license: [], adapters: [], messages: [] }
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1
    const line = (lines[i] ?? '').trim()
    if (!line || line.startsWith('#')) continue
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line)
    const instr = (m?.[1] ?? '').toUpperCase()
    let rest = m?.[2] ?? ''
    if (!INSTRUCTIONS.has(instr)) {
      throw new OllamaError(
        'invalid_modelfile',
        `Modelfile line ${lineNo}: unknown instruction "${m?.[1]}"`
      )
    }
    // A value in triple quotes may span lines; the quote may also follow a PARAMETER/MESSAGE key.
    const tq = rest.indexOf('"""')
    if (tq >= 0) {
      const prefix = rest.slice(0, tq)
      let body = rest.slice(tq + 3)
      let end = body.indexOf('"""')
      while (end < 0) {
        i++
        if (i >= lines.length)
          throw new OllamaError('invalid_modelfile', `Modelfile line ${lineNo}: unterminated """`)
        body += `\n${lines[i]}`
        end = body.indexOf('"""')
      }
      rest = `${prefix}\u0000${body.slice(0, end)}`
    }
    const value = (s: string): string =>
      s.includes('\u0000') ? s.slice(s.indexOf('\u0000') + 1) : unquote(s.trim())
    switch (instr) {
      case 'FROM':
        spec.from = value(rest)
        break
      case 'SYSTEM':
        spec.system = value(rest)
        break
      case 'TEMPLATE':
        spec.template = value(rest)
        break
      case 'LICENSE':
        spec.license.push(value(rest))
        break
      case 'ADAPTER':
        spec.adapters.push(value(rest))
        break
      case 'PARAMETER':
      case 'MESSAGE': {
        const kv = /^(\S+)\s+([\s\S]*)$/.exec(rest.replace('\u0000', ' \u0000'))
        if (!kv?.[1] || kv[2] === undefined) {
          throw new OllamaError(
            'invalid_modelfile',
            `Modelfile line ${lineNo}: ${instr} needs a ${instr === 'MESSAGE' ? 'role' : 'name'} and a value`
          )
        }
        const key = kv[1]
        const raw = value(kv[2])
        if (instr === 'MESSAGE') {
          if (!['system', 'user', 'assistant'].includes(key)) {
            throw new OllamaError(
              'invalid_modelfile',
              `Modelfile line ${lineNo}: MESSAGE role must be system, user or assistant, not "${key}"`
            )
          }
          spec.messages.push({ role: key, content: raw })
        } else {
          const v = kv[2].includes('\u0000') ? raw : parseScalar(raw)
          const prev = spec.parameters[key]
          if (key === 'stop')
            spec.parameters[key] = [...(Array.isArray(prev) ? (prev as unknown[]) : []), String(v)]
          else spec.parameters[key] = v
        }
        break
      }
    }
  }
  if (!spec.from) throw new OllamaError('invalid_modelfile', 'Modelfile has no FROM instruction')
  return spec
}

/**
 * Merges a composition's `parameters` into a Modelfile, as the Rust llmnet did: `system` and
 * `template` set those directives; other scalars (and arrays) become parameters; objects and
 * null are skipped.
 */
export function mergeParameters(
  spec: ModelfileSpec,
  parameters: Record<string, unknown> = {}
): ModelfileSpec {
  const out: ModelfileSpec = { ...spec, parameters: { ...spec.parameters } }
  for (const [k, v] of Object.entries(parameters)) {
    if (k === 'system' && typeof v === 'string') out.system = v
    else if (k === 'template' && typeof v === 'string') out.template = v
    else if (v === null || v === undefined || (typeof v === 'object' && !Array.isArray(v))) continue
    else out.parameters[k] = v
  }
  return out
}
