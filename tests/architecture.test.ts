/**
 * The import graph of src/ has no circles (type-only imports included; scripts/import-cycles.mjs
 * lists them), and the engine stays the inner ring: it imports only its own folder, src/shared and
 * core's kernel files (errors, cancel, secrets/redact), whatever lint is told.
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cycles, importGraph } from '../scripts/import-cycles.mjs'

const root = path.resolve(import.meta.dirname, '..')
const rel = (file: string): string => path.relative(root, file).split(path.sep).join('/')

describe('import graph of src/', () => {
  const graph = importGraph()

  it('has no import circles', () => {
    expect(graph.size).toBeGreaterThan(100)
    expect(cycles(graph).map((c) => c.map(rel))).toEqual([])
  })

  it('finds a circle when there is one (the check is not vacuous)', () => {
    const g = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['d'])],
      ['e', new Set(['a'])]
    ])
    expect(cycles(g)).toEqual([['a', 'b', 'c'], ['d']])
  })

  it('the engine imports only its folder, src/shared and the kernel of core', () => {
    const kernel = ['errors.ts', 'cancel.ts', 'secrets/redact.ts'].map((f) => `src/main/core/${f}`)
    const outside: string[] = []
    for (const [file, targets] of graph) {
      if (!rel(file).startsWith('src/main/core/engine/')) continue
      for (const t of targets) {
        const to = rel(t)
        if (to.startsWith('src/main/core/engine/') || to.startsWith('src/shared/')) continue
        if (!kernel.includes(to)) outside.push(`${rel(file)} → ${to}`)
      }
    }
    expect(outside).toEqual([])
  })
})
