#!/usr/bin/env node
/**
 * Lists the import circles among the files under src/ (type-only imports and `export … from`
 * included, dynamic `import()` too): each strongly connected component of the import graph with
 * more than one file, or a file importing itself. Exit 1 when there is one.
 *
 *   node scripts/import-cycles.mjs [--json]
 *
 * Only relative imports are followed (packages cannot import back into src/).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function sourceFiles(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (
      /\.(ts|tsx|mts)$/.test(name) &&
      !/\.(test|spec)\.tsx?$/.test(name) &&
      !name.endsWith('.d.ts')
    )
      out.push(path)
  }
  return out
}

const EXTENSIONS = ['', '.ts', '.tsx', '.mts', '/index.ts', '/index.tsx']

function resolveImport(from, spec) {
  if (!spec.startsWith('.')) return undefined
  const base = resolve(dirname(from), spec.replace(/\.(m?js)$/, ''))
  for (const ext of EXTENSIONS) {
    const candidate = base + ext
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate
  }
  return undefined
}

/** Every file under `dir` → the files it imports. */
export function importGraph(dir = join(root, 'src')) {
  const graph = new Map()
  for (const file of sourceFiles(dir)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
    const targets = new Set()
    for (const ref of info.importedFiles) {
      const target = resolveImport(file, ref.fileName)
      if (target) targets.add(target)
    }
    graph.set(file, targets)
  }
  return graph
}

/** Tarjan's strongly connected components with more than one node (or a self-loop). */
export function cycles(graph) {
  let index = 0
  const stack = []
  const on = new Set()
  const idx = new Map()
  const low = new Map()
  const out = []
  const visit = (v) => {
    idx.set(v, index)
    low.set(v, index)
    index++
    stack.push(v)
    on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)))
    }
    if (low.get(v) === idx.get(v)) {
      const component = []
      let w
      do {
        w = stack.pop()
        on.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || graph.get(v)?.has(v)) out.push(component.sort())
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) visit(v)
  return out
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const found = cycles(importGraph()).map((c) => c.map((f) => relative(root, f)))
  if (process.argv.includes('--json')) console.log(JSON.stringify(found, null, 2))
  else if (found.length === 0) console.log('no import circles in src/')
  else for (const c of found) console.log(`circle (${c.length} files):\n  ${c.join('\n  ')}`)
  process.exitCode = found.length === 0 ? 0 : 1
}
