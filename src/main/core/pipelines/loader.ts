/** @module Composition files named on the command line, and how load errors are summarised. */
import { readdir, stat } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import { formatPath } from '../../../shared/config/diagnostics'
import type { LoadedComposition } from '../config/load-composition'

const EXTENSIONS = new Set(['.json', '.jsonc', '.yaml', '.yml'])

/**
 * Files named on the command line, and the composition files directly inside named directories.
 * Paths are made absolute unless `asGiven` (then they keep the user's spelling, for messages).
 */
export async function expandSources(
  sources: readonly string[],
  opts: { asGiven?: boolean } = {}
): Promise<string[]> {
  const files: string[] = []
  for (const source of sources) {
    const path = opts.asGiven ? source : resolve(source)
    const info = await stat(path).catch(() => undefined)
    if (info?.isDirectory()) {
      const names = (await readdir(path))
        .filter((n) => EXTENSIONS.has(extname(n).toLowerCase()))
        .sort()
      files.push(...names.map((n) => join(path, n)))
    } else {
      files.push(path)
    }
  }
  return files
}

export function describeErrors(loaded: LoadedComposition): string[] {
  return loaded.diagnostics
    .filter((d) => d.severity === 'error')
    .map(
      (d) =>
        `${loaded.path}:${d.line}:${d.column}: ${d.message}${d.path.length ? ` (${formatPath(d.path)})` : ''}`
    )
}
