/**
 * @module Composition edits for model discovery: a one-node (1-0-1) pipeline on a downloaded
 * GGUF file, and a new expert added to a router pipeline. Edits keep the text's formatting and
 * comments (jsonc-parser's `modify` for JSON, the YAML document for YAML).
 */
import { applyEdits, modify } from 'jsonc-parser'
import { parseDocument } from 'yaml'
import { parseSource, type SourceFormat } from './source'

/** A llama.cpp model entry for a GGUF `source`, as the welcome screen writes one. */
export function llamaModel(source: string): Record<string, unknown> {
  return { runner: 'llama-cpp', source, parameters: { n_ctx: 4096, n_gpu_layers: 'auto' } }
}

/** A 1-0-1 composition: one node on the GGUF `source` answers every request. */
export function singleModelComposition(source: string, description: string): string {
  return `${JSON.stringify(
    {
      description,
      models: { assistant: llamaModel(source) },
      architecture: [
        {
          name: 'assistant',
          layer: 0,
          model: 'assistant',
          adapter: 'openai-api',
          context: 'You are a helpful assistant running on this computer.',
          'output-to': ['output']
        },
        { name: 'output', adapter: 'output' }
      ]
    },
    null,
    2
  )}\n`
}

/** A pipeline name (`[A-Za-z0-9][A-Za-z0-9._-]{0,63}`) from a file name, not one of `taken`. */
export function pipelineNameFor(fileName: string, taken: readonly string[]): string {
  const base =
    fileName
      .replace(/\.gguf$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 58) || 'model'
  let name = base
  for (let i = 2; taken.includes(name); i++) name = `${base}-${i}`
  return name
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The router of a composition: a node whose `output-to` names a layer (`[1]`), or two or more
 * nodes by name; `layer` is where its experts are, `index` its place in `architecture`.
 */
export function findRouter(
  value: unknown
): { router: string; layer: number; index: number; byName: boolean } | null {
  if (!isObj(value) || !Array.isArray(value.architecture)) return null
  const nodes: unknown[] = value.architecture
  for (const [index, node] of nodes.entries()) {
    if (!isObj(node) || typeof node.name !== 'string' || !Array.isArray(node['output-to'])) continue
    const targets: unknown[] = node['output-to']
    const layer = targets.find((t): t is number => typeof t === 'number')
    if (layer !== undefined) return { router: node.name, layer, index, byName: false }
    const named = nodes.filter(
      (n): n is Obj => isObj(n) && targets.includes(n.name) && n.adapter !== 'output'
    )
    if (named.length >= 2 && typeof named[0]!.layer === 'number')
      return { router: node.name, layer: named[0]!.layer, index, byName: true }
  }
  return null
}

/** What {@link addExpert} adds. */
export interface ExpertSpec {
  /** The node's name (also its model's key, suffixed when taken). */
  name: string
  /** What the router reads to choose it. */
  useCase: string
  /** The GGUF source (`hf://…`, a URL or a path). */
  source: string
}

/**
 * Adds a node on `spec.source` to the layer the composition's router routes to, with the same
 * `output-to` as that layer's first node. Throws an Error naming the problem (no router, a name
 * taken, text that does not parse).
 */
export function addExpert(text: string, format: SourceFormat, spec: ExpertSpec): string {
  const name = spec.name.trim()
  const useCase = spec.useCase.trim()
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
    throw new Error('name: 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit')
  if (!useCase) throw new Error('use-case: say which requests this expert should answer')
  const value = parseSource(text, format).value
  const found = findRouter(value)
  if (!found || !isObj(value))
    throw new Error('this pipeline has no router (a node whose output-to names a layer or experts)')
  const nodes = (value.architecture as unknown[]).filter(isObj)
  if (nodes.some((n) => n.name === name)) throw new Error(`name: a node named "${name}" exists`)
  const models = isObj(value.models) ? value.models : {}
  let key = name
  for (let i = 2; key in models; i++) key = `${name}-${i}`
  const sibling = nodes.find((n) => n.layer === found.layer && Array.isArray(n['output-to']))
  const node = {
    name,
    layer: found.layer,
    model: key,
    adapter: 'openai-api',
    'use-case': useCase,
    'output-to': sibling ? sibling['output-to'] : ['output']
  }
  if (format === 'yaml') {
    const doc = parseDocument(text)
    doc.setIn(['models', key], doc.createNode(llamaModel(spec.source)))
    doc.addIn(['architecture'], doc.createNode(node))
    if (found.byName) doc.addIn(['architecture', found.index, 'output-to'], name)
    return doc.toString()
  }
  const fmt = { formattingOptions: { insertSpaces: true, tabSize: 2 } }
  let out = applyEdits(text, modify(text, ['models', key], llamaModel(spec.source), fmt))
  const count = (value.architecture as unknown[]).length
  out = applyEdits(
    out,
    modify(out, ['architecture', count], node, { ...fmt, isArrayInsertion: true })
  )
  if (found.byName) {
    const router = (value.architecture as unknown[])[found.index] as Obj
    const targets = (router['output-to'] as unknown[]).length
    const at = ['architecture', found.index, 'output-to', targets]
    out = applyEdits(out, modify(out, at, name, { ...fmt, isArrayInsertion: true }))
  }
  return out
}
